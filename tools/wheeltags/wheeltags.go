// Package wheeltags picks the wheel a CPython target installs, by the PEP 425 compatibility
// tags in wheel file names, in the order pip prefers them (packaging.tags.sys_tags).
package wheeltags

import (
	"fmt"
	"strings"
)

// Target is the interpreter and platform wheels are chosen for.
type Target struct {
	// PythonMajor and PythonMinor name a CPython, e.g. 3 and 11.
	PythonMajor, PythonMinor int
	// OS is "linux" or "darwin"; Machine is "x86_64", "aarch64" (linux) or "arm64" (darwin).
	OS, Machine string
	// Libc is "glibc" or "musl" on linux; LibcMajor.LibcMinor is its version, e.g. 2.40.
	// manylinux_2_Y wheels need glibc >= 2.Y; musllinux_1_Y wheels need musl >= 1.Y.
	Libc                 string
	LibcMajor, LibcMinor int
	// MacOSMajor.MacOSMinor is the oldest macOS the build targets (its deployment target).
	MacOSMajor, MacOSMinor int
}

// Tags returns the tags the target supports, most preferred first, as "python-abi-platform".
func (t Target) Tags() []string {
	plats := t.platforms()
	cp := fmt.Sprintf("cp%d%d", t.PythonMajor, t.PythonMinor)
	var tags []string
	for _, p := range plats {
		tags = append(tags, cp+"-"+cp+"-"+p)
	}
	for minor := t.PythonMinor; minor >= 2; minor-- {
		for _, p := range plats {
			tags = append(tags, fmt.Sprintf("cp%d%d-abi3-%s", t.PythonMajor, minor, p))
		}
	}
	for _, p := range plats {
		tags = append(tags, cp+"-none-"+p)
	}
	pys := []string{fmt.Sprintf("py%d%d", t.PythonMajor, t.PythonMinor), fmt.Sprintf("py%d", t.PythonMajor)}
	for minor := t.PythonMinor - 1; minor >= 0; minor-- {
		pys = append(pys, fmt.Sprintf("py%d%d", t.PythonMajor, minor))
	}
	for _, py := range pys {
		for _, p := range plats {
			tags = append(tags, py+"-none-"+p)
		}
	}
	tags = append(tags, cp+"-none-any")
	for _, py := range pys {
		tags = append(tags, py+"-none-any")
	}
	return tags
}

// platforms lists platform tags, most specific first.
func (t Target) platforms() []string {
	var out []string
	switch t.OS {
	case "linux":
		if t.Libc == "musl" {
			for minor := t.LibcMinor; minor >= 0; minor-- {
				out = append(out, fmt.Sprintf("musllinux_%d_%d_%s", t.LibcMajor, minor, t.Machine))
			}
		} else {
			for minor := t.LibcMinor; minor >= 17 || (t.Machine == "x86_64" && minor >= 5); minor-- {
				out = append(out, fmt.Sprintf("manylinux_%d_%d_%s", t.LibcMajor, minor, t.Machine))
				// The legacy aliases sit where their glibc version does.
				switch minor {
				case 17:
					out = append(out, "manylinux2014_"+t.Machine)
				case 12:
					out = append(out, "manylinux2010_"+t.Machine)
				case 5:
					out = append(out, "manylinux1_"+t.Machine)
				}
			}
		}
		out = append(out, "linux_"+t.Machine)
	case "darwin":
		arches := []string{t.Machine, "universal2"}
		if t.Machine == "x86_64" {
			arches = append(arches, "intel", "fat64", "fat32", "universal")
		}
		for major := t.MacOSMajor; major >= 11; major-- {
			minor := 0
			if major == t.MacOSMajor {
				minor = t.MacOSMinor
			}
			for ; minor >= 0; minor-- {
				for _, a := range arches {
					out = append(out, fmt.Sprintf("macosx_%d_%d_%s", major, minor, a))
				}
			}
		}
		if t.Machine == "x86_64" {
			top := 16
			if t.MacOSMajor == 10 {
				top = t.MacOSMinor
			}
			for minor := top; minor >= 4; minor-- {
				for _, a := range arches {
					out = append(out, fmt.Sprintf("macosx_10_%d_%s", minor, a))
				}
			}
		}
	}
	return out
}

// Filename is a parsed wheel file name.
type Filename struct {
	Name, Version string
	// Tags are the expanded "python-abi-platform" triples of a compressed tag set.
	Tags []string
}

// ParseFilename parses "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl".
func ParseFilename(file string) (Filename, error) {
	base, ok := strings.CutSuffix(file, ".whl")
	if !ok {
		return Filename{}, fmt.Errorf("wheel file name %q does not end in .whl", file)
	}
	parts := strings.Split(base, "-")
	if len(parts) != 5 && len(parts) != 6 {
		return Filename{}, fmt.Errorf("wheel file name %q: want name-version[-build]-python-abi-platform.whl", file)
	}
	n := len(parts)
	f := Filename{Name: parts[0], Version: parts[1]}
	for _, py := range strings.Split(parts[n-3], ".") {
		for _, abi := range strings.Split(parts[n-2], ".") {
			for _, plat := range strings.Split(parts[n-1], ".") {
				f.Tags = append(f.Tags, py+"-"+abi+"-"+plat)
			}
		}
	}
	return f, nil
}

// Selector ranks wheel file names for one target.
type Selector struct {
	rank map[string]int
}

// NewSelector precomputes the target's tag ranks.
func NewSelector(t Target) *Selector {
	tags := t.Tags()
	s := &Selector{rank: make(map[string]int, len(tags))}
	for i, tag := range tags {
		s.rank[tag] = i
	}
	return s
}

// Rank returns the preference of a wheel file for the target (lower is better) and whether
// the target can install it at all.
func (s *Selector) Rank(file string) (int, bool) {
	f, err := ParseFilename(file)
	if err != nil {
		return 0, false
	}
	best, ok := 0, false
	for _, tag := range f.Tags {
		if r, found := s.rank[strings.ToLower(tag)]; found && (!ok || r < best) {
			best, ok = r, true
		}
	}
	return best, ok
}

// Best returns the index in files of the most preferred installable wheel, or -1 when none
// is. Ties go to the file name that sorts first, so the choice is deterministic.
func (s *Selector) Best(files []string) int {
	best, bestRank := -1, 0
	for i, f := range files {
		r, ok := s.Rank(f)
		if !ok {
			continue
		}
		if best < 0 || r < bestRank || r == bestRank && f < files[best] {
			best, bestRank = i, r
		}
	}
	return best
}
