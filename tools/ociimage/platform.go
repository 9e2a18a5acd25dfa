package ociimage

import (
	"fmt"
	"runtime"
	"strings"
)

// ImagePlatform is an image config's os, architecture and variant.
type ImagePlatform struct {
	OS, Architecture, Variant string
}

// nixCPUs maps the CPU of a Nix system (x86_64-linux's x86_64) to Go's and OCI's architecture names.
var nixCPUs = map[string]ImagePlatform{
	"x86_64":      {Architecture: "amd64"},
	"aarch64":     {Architecture: "arm64"},
	"i686":        {Architecture: "386"},
	"armv7l":      {Architecture: "arm", Variant: "v7"},
	"armv6l":      {Architecture: "arm", Variant: "v6"},
	"riscv64":     {Architecture: "riscv64"},
	"powerpc64le": {Architecture: "ppc64le"},
	"s390x":       {Architecture: "s390x"},
}

// Platform is the image platform of a Nix system such as "aarch64-linux": the closure's binaries run
// there, whatever machine assembled the image. An empty system means the machine's own.
func Platform(system string) (ImagePlatform, error) {
	if system == "" {
		return ImagePlatform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	cpu, os, ok := strings.Cut(system, "-")
	p, known := nixCPUs[cpu]
	if !ok || os != "linux" || !known {
		return ImagePlatform{}, fmt.Errorf("system %q: an image needs a Linux system such as x86_64-linux or aarch64-linux", system)
	}
	p.OS = os
	return p, nil
}
