package e2e

import (
	"testing"

	"github.com/nixpy/rules_nixpy/testing/testinputs"
)

// The tests run Bazel on the whole checkout and on the examples, which use it as the rules_nixpy module, then
// Nix, docker-registry, crane and Docker: all of the checkout and the rig are their inputs (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m, ".") }
