package main

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests run the rig's docker-registry and crane and the Docker engine: the rig is an input (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }
