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

// String is os/architecture or os/architecture/variant, as OCI platforms are written.
func (p ImagePlatform) String() string {
	if p.OS == "" && p.Architecture == "" {
		return "no platform"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// defaultVariants are the variants an empty one means, as containerd normalizes them: an arm64 image
// says v8 or nothing, an arm one v7 or nothing.
var defaultVariants = map[string]string{"arm64": "v8", "arm": "v7", "amd64": "v1"}

// matches says whether an image of platform p runs where want is asked for: the same os and
// architecture, and the same variant once an empty one is read as the architecture's default.
func (p ImagePlatform) matches(want ImagePlatform) bool {
	variant := func(q ImagePlatform) string {
		if q.Variant == "" {
			return defaultVariants[q.Architecture]
		}
		return q.Variant
	}
	return p.OS == want.OS && p.Architecture == want.Architecture && variant(p) == variant(want)
}
