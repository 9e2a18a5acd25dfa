package dockerload

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests load images into the Docker engine: the rig and its Docker are inputs (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }
