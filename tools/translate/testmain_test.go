//go:build nix

package translate

import (
	"testing"

	"github.com/nixpy/rules_nixpy/testing/testinputs"
)

// The Nix tests evaluate and build the translations with the rig's Nix against testing/nixpkgs and the test
// wheels of testing/wheels (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m, "testing/nixpkgs", "testing/wheels") }
