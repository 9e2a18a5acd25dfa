//go:build nix

package translate

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The Nix tests evaluate and build the translations with the rig's Nix against the checkout's testing/nixpkgs
// and the test wheels of testing/wheels, outside this module: the fingerprint dev/test writes holds their
// digests (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }
