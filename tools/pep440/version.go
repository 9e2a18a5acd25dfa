// Package pep440 parses, orders and matches Python package versions as PEP 440 defines them.
//
// It is written here rather than taken from github.com/aquasecurity/go-pep440-version because
// that module, checked against PEP 440 before this package was written, lets a pre-release
// satisfy a specifier that names no pre-release ("2.0rc1" matches ">=1.0"), which PEP 440
// excludes by default, and it does not expose a version's parts (epoch, release, pre, post,
// dev), which the translator needs to emit version checks that Nix evaluates.
package pep440

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a parsed PEP 440 version. The zero value is not a valid version.
type Version struct {
	Epoch   int
	Release []int
	// PreKind is "a", "b" or "rc" (normalised), empty when the version is no pre-release.
	PreKind string
	PreNum  int
	// Post and Dev are -1 when the segment is absent.
	Post  int
	Dev   int
	Local []string
}

// versionRE is PEP 440's permissive grammar (Appendix B), which accepts every spelling that
// normalises to a valid version.
var versionRE = regexp.MustCompile(`^\s*v?` +
	`(?:(\d+)!)?` +
	`(\d+(?:\.\d+)*)` +
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?` +
	`(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d+)?))?` +
	`(?:[-_.]?(dev)[-_.]?(\d+)?)?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// Parse parses s, accepting the spellings PEP 440 normalises (case, separators, "alpha", "-1").
func Parse(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return Version{}, fmt.Errorf("invalid PEP 440 version %q", s)
	}
	v := Version{Post: -1, Dev: -1}
	var err error
	if m[1] != "" {
		if v.Epoch, err = atoi(m[1]); err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
	}
	for _, part := range strings.Split(m[2], ".") {
		n, err := atoi(part)
		if err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
		v.Release = append(v.Release, n)
	}
	if m[3] != "" {
		switch m[3] {
		case "alpha", "a":
			v.PreKind = "a"
		case "beta", "b":
			v.PreKind = "b"
		default:
			v.PreKind = "rc"
		}
		if v.PreNum, err = atoiOpt(m[4]); err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
	}
	switch {
	case m[5] != "":
		if v.Post, err = atoi(m[5]); err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
	case m[6] != "":
		if v.Post, err = atoiOpt(m[7]); err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
	}
	if m[8] != "" {
		if v.Dev, err = atoiOpt(m[9]); err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
	}
	if m[10] != "" {
		v.Local = strings.FieldsFunc(m[10], func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	}
	return v, nil
}

// MustParse is Parse for constants in tests and tables; it panics on a bad version.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func atoi(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("number %q out of range", s)
	}
	return n, nil
}

func atoiOpt(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	return atoi(s)
}

// String returns the normalised form, e.g. "1!2.0rc1.post2.dev3+ubuntu.1".
func (v Version) String() string {
	if len(v.Local) > 0 {
		return v.Public() + "+" + strings.Join(v.Local, ".")
	}
	return v.Public()
}

// Public returns the normalised form without the local segment.
func (v Version) Public() string {
	var b strings.Builder
	if v.Epoch != 0 {
		fmt.Fprintf(&b, "%d!", v.Epoch)
	}
	for i, n := range v.Release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	if v.PreKind != "" {
		fmt.Fprintf(&b, "%s%d", v.PreKind, v.PreNum)
	}
	if v.Post >= 0 {
		fmt.Fprintf(&b, ".post%d", v.Post)
	}
	if v.Dev >= 0 {
		fmt.Fprintf(&b, ".dev%d", v.Dev)
	}
	return b.String()
}

// IsPrerelease reports whether v is a pre-release or a development release.
func (v Version) IsPrerelease() bool { return v.PreKind != "" || v.Dev >= 0 }

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return v.Post >= 0 }

// Compare orders versions as PEP 440 does: -1 when v < w, 0 when equal, 1 when v > w.
func (v Version) Compare(w Version) int {
	if c := cmpInt(v.Epoch, w.Epoch); c != 0 {
		return c
	}
	if c := cmpRelease(v.Release, w.Release); c != 0 {
		return c
	}
	if c := cmpKey(v.preKey(), w.preKey()); c != 0 {
		return c
	}
	if c := cmpInt(v.Post, w.Post); c != 0 {
		return c
	}
	if c := cmpInt(v.devKey(), w.devKey()); c != 0 {
		return c
	}
	return cmpLocal(v.Local, w.Local)
}

// preKey sorts a dev release of a final version (1.0.dev1) before its pre-releases and
// final versions after them.
func (v Version) preKey() [2]int {
	switch {
	case v.PreKind == "" && v.Post < 0 && v.Dev >= 0:
		return [2]int{-1, 0}
	case v.PreKind == "":
		return [2]int{3, 0}
	case v.PreKind == "a":
		return [2]int{0, v.PreNum}
	case v.PreKind == "b":
		return [2]int{1, v.PreNum}
	default:
		return [2]int{2, v.PreNum}
	}
}

// devKey sorts a version without a dev segment after all its dev releases.
func (v Version) devKey() int {
	if v.Dev < 0 {
		return int(^uint(0) >> 1)
	}
	return v.Dev
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpKey(a, b [2]int) int {
	if c := cmpInt(a[0], b[0]); c != 0 {
		return c
	}
	return cmpInt(a[1], b[1])
}

// cmpRelease compares release segments as if the shorter were padded with zeros.
func cmpRelease(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmpInt(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// cmpLocal orders local segments: none before any; numeric parts compare as numbers and
// sort after alphanumeric ones; a longer segment list wins when one is a prefix of the other.
func cmpLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, xerr := strconv.Atoi(a[i])
		y, yerr := strconv.Atoi(b[i])
		var c int
		switch {
		case xerr == nil && yerr == nil:
			c = cmpInt(x, y)
		case xerr == nil:
			c = 1
		case yerr == nil:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}
