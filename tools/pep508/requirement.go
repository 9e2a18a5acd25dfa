package pep508

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
)

// Requirement is one parsed dependency specifier.
type Requirement struct {
	// Name is the PEP 503 normalised project name.
	Name string
	// Extras are normalised, sorted and unique.
	Extras    []string
	Specifier pep440.Specifier
	// URL is set for a direct reference ("name @ https://...").
	URL    string
	Marker Marker
}

// ParseRequirement parses a PEP 508 dependency specifier. It also accepts the legacy
// parenthesised form "name (>=1.0)" that Poetry writes in lock files.
func ParseRequirement(s string) (Requirement, error) {
	rest := strings.TrimSpace(s)
	var r Requirement
	var markerText string
	// A marker follows the first ';'; after a direct URL, which may itself hold ';', only a
	// ';' preceded by a blank starts one, as PEP 508 requires.
	semi := strings.Index(rest, ";")
	if at := strings.Index(rest, "@"); at >= 0 && (semi < 0 || at < semi) {
		semi = -1
		if i := strings.Index(rest[at:], " ;"); i >= 0 {
			semi = at + i + 1
		} else if i := strings.Index(rest[at:], "\t;"); i >= 0 {
			semi = at + i + 1
		}
	}
	if semi >= 0 {
		markerText, rest = rest[semi+1:], strings.TrimSpace(rest[:semi])
	}
	n := 0
	for n < len(rest) && (isAlnum(rest[n]) || n > 0 && strings.IndexByte("-_.", rest[n]) >= 0) {
		n++
	}
	for n > 0 && !isAlnum(rest[n-1]) {
		n--
	}
	name, err := NormalizeValid(rest[:n])
	if err != nil {
		return Requirement{}, fmt.Errorf("requirement %q: %w", s, err)
	}
	r.Name = name
	rest = strings.TrimSpace(rest[n:])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Requirement{}, fmt.Errorf("requirement %q: unclosed '['", s)
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			ne, err := NormalizeValid(e)
			if err != nil {
				return Requirement{}, fmt.Errorf("requirement %q: extra: %w", s, err)
			}
			r.Extras = append(r.Extras, ne)
		}
		r.Extras = SortedUnique(r.Extras)
		rest = strings.TrimSpace(rest[end+1:])
	}
	switch {
	case strings.HasPrefix(rest, "@"):
		r.URL = strings.TrimSpace(rest[1:])
		if r.URL == "" || strings.ContainsAny(r.URL, " \t") {
			return Requirement{}, fmt.Errorf("requirement %q: bad direct URL %q", s, r.URL)
		}
	case strings.HasPrefix(rest, "("):
		if !strings.HasSuffix(rest, ")") {
			return Requirement{}, fmt.Errorf("requirement %q: unclosed '('", s)
		}
		rest = rest[1 : len(rest)-1]
		fallthrough
	default:
		if r.Specifier, err = pep440.ParseSpecifier(rest); err != nil {
			return Requirement{}, fmt.Errorf("requirement %q: %w", s, err)
		}
	}
	if r.Marker, err = ParseMarker(markerText); err != nil {
		return Requirement{}, fmt.Errorf("requirement %q: %w", s, err)
	}
	return r, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// SortedUnique sorts names and drops duplicates, in place.
func SortedUnique(names []string) []string {
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}
