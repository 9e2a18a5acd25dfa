package ociimage

import (
	"testing"

	"github.com/nixpy/rules_nixpy/tools/testinputs"
)

// The tests unpack images with the rig's tar and run them with chroot: the rig is an input (see testinputs).
func TestMain(m *testing.M) { testinputs.Main(m) }
