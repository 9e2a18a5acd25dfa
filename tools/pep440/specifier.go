package pep440

import (
	"fmt"
	"strings"
)

// Clause is one comparison of a specifier, e.g. ">=1.2" or "==2.*".
type Clause struct {
	Op      string // one of ~= == != <= >= < > ===
	Version Version
	// Wildcard marks "==V.*" and "!=V.*": Version then holds the prefix (epoch and release only).
	Wildcard bool
	// Raw is the version text as written; "===" compares it as a plain string.
	Raw string
}

// Specifier is a comma-separated list of clauses that must all hold. The empty specifier
// matches every final version.
type Specifier []Clause

// ops lists the operators longest first so that "===" is not read as "==" followed by "=".
var ops = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// ParseSpecifier parses a specifier such as ">=1.2,<2,!=1.5.*". Surrounding blanks are allowed.
func ParseSpecifier(s string) (Specifier, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var spec Specifier
	for _, part := range strings.Split(s, ",") {
		c, err := parseClause(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("specifier %q: %w", s, err)
		}
		spec = append(spec, c)
	}
	return spec, nil
}

func parseClause(s string) (Clause, error) {
	var op string
	for _, o := range ops {
		if strings.HasPrefix(s, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Clause{}, fmt.Errorf("clause %q has no comparison operator", s)
	}
	raw := strings.TrimSpace(s[len(op):])
	c := Clause{Op: op, Raw: raw}
	if raw == "" {
		return Clause{}, fmt.Errorf("clause %q has no version", s)
	}
	if op == "===" {
		if strings.ContainsAny(raw, " \t,;") {
			return Clause{}, fmt.Errorf("clause %q: arbitrary equality takes one word", s)
		}
		// "===" needs no valid version; keep a parsed one when there is, for pre-release checks.
		c.Version, _ = Parse(raw)
		return c, nil
	}
	text := raw
	if strings.HasSuffix(raw, ".*") {
		if op != "==" && op != "!=" {
			return Clause{}, fmt.Errorf("clause %q: only == and != take a .* wildcard", s)
		}
		c.Wildcard = true
		text = strings.TrimSuffix(raw, ".*")
	}
	v, err := Parse(text)
	if err != nil {
		return Clause{}, fmt.Errorf("clause %q: %w", s, err)
	}
	if c.Wildcard && (v.PreKind != "" || v.Post >= 0 || v.Dev >= 0 || len(v.Local) > 0) {
		return Clause{}, fmt.Errorf("clause %q: a .* wildcard must follow the release segment", s)
	}
	if len(v.Local) > 0 && op != "==" && op != "!=" {
		return Clause{}, fmt.Errorf("clause %q: only == and != allow a local version", s)
	}
	if op == "~=" && len(v.Release) < 2 {
		return Clause{}, fmt.Errorf("clause %q: ~= needs at least two release numbers", s)
	}
	c.Version = v
	return c, nil
}

// String returns the clauses joined by commas, each normalised.
func (s Specifier) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// String returns the clause with its version normalised.
func (c Clause) String() string {
	switch {
	case c.Op == "===":
		return c.Op + c.Raw
	case c.Wildcard:
		return c.Op + c.Version.String() + ".*"
	}
	return c.Op + c.Version.String()
}

// mentionsPrerelease reports whether a clause names a pre-release, which PEP 440 takes as
// permission to match pre-releases.
func (s Specifier) mentionsPrerelease() bool {
	for _, c := range s {
		switch c.Op {
		case "==", ">=", "<=", "~=", "===", "<", ">":
			if c.Version.Release != nil && c.Version.IsPrerelease() {
				return true
			}
		}
	}
	return false
}

// Contains reports whether v satisfies every clause, excluding pre-releases unless a clause
// names one (PEP 440's default).
func (s Specifier) Contains(v Version) bool {
	return s.Match(v, s.mentionsPrerelease())
}

// Match reports whether v satisfies every clause; pre-releases are accepted only when
// allowPre is set.
func (s Specifier) Match(v Version, allowPre bool) bool {
	if v.IsPrerelease() && !allowPre {
		return false
	}
	for _, c := range s {
		if !c.Match(v) {
			return false
		}
	}
	return true
}

// Match reports whether v satisfies the clause alone, without pre-release exclusion.
func (c Clause) Match(v Version) bool {
	switch c.Op {
	case "===":
		return strings.EqualFold(v.String(), c.Raw)
	case "==":
		return c.equal(v)
	case "!=":
		return !c.equal(v)
	case "~=":
		prefix := Version{Epoch: c.Version.Epoch, Release: c.Version.Release[:len(c.Version.Release)-1]}
		return v.withoutLocal().Compare(c.Version) >= 0 && prefixMatch(prefix, v)
	case "<=":
		return v.withoutLocal().Compare(c.Version) <= 0
	case ">=":
		return v.withoutLocal().Compare(c.Version) >= 0
	case "<":
		if v.withoutLocal().Compare(c.Version) >= 0 {
			return false
		}
		// "<1.0" must not admit 1.0's own pre-releases ("1.0rc1") unless it names one.
		return c.Version.IsPrerelease() || !v.IsPrerelease() || cmpBase(v, c.Version) != 0
	case ">":
		if v.Compare(c.Version) <= 0 {
			return false
		}
		// ">1.0" must admit neither 1.0's post-releases nor its local versions.
		if !c.Version.IsPostrelease() && v.IsPostrelease() && cmpBase(v, c.Version) == 0 {
			return false
		}
		return len(v.Local) == 0 || cmpBase(v, c.Version) != 0
	}
	return false
}

func (c Clause) equal(v Version) bool {
	if c.Wildcard {
		return prefixMatch(c.Version, v)
	}
	if len(c.Version.Local) == 0 {
		v = v.withoutLocal()
	}
	return v.Compare(c.Version) == 0
}

// prefixMatch reports whether v's release, padded with zeros, starts with prefix's release.
func prefixMatch(prefix, v Version) bool {
	if v.Epoch != prefix.Epoch {
		return false
	}
	for i, n := range prefix.Release {
		var m int
		if i < len(v.Release) {
			m = v.Release[i]
		}
		if m != n {
			return false
		}
	}
	return true
}

func (v Version) withoutLocal() Version {
	v.Local = nil
	return v
}

// cmpBase compares epoch and release only.
func cmpBase(a, b Version) int {
	if c := cmpInt(a.Epoch, b.Epoch); c != 0 {
		return c
	}
	return cmpRelease(a.Release, b.Release)
}
