package rigtest

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests run Nix on testing/nixpkgs, whose Python packages take the test wheels of testing/wheels (see
// testinputs).
func TestMain(m *testing.M) { testinputs.Main(m, "testing/nixpkgs", "testing/wheels") }
