package registry

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests run the rig's docker-registry: the rig is an input (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }
