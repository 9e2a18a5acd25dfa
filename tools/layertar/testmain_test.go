package layertar

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests read layers back with the rig's tar: the rig is an input (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }
