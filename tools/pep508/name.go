// Package pep508 parses Python dependency specifiers (PEP 508): project names, extras,
// version specifiers, direct URLs and environment markers, and evaluates markers for one
// target environment.
package pep508

import "fmt"

// ValidName reports whether s is a valid project (or extra, or group) name: ASCII letters and
// digits, with '-', '_' or '.' inside. (Hand-written rather than a regexp: lock files hold
// thousands of names.)
func ValidName(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// Normalize returns the PEP 503 form of a name: lower case, runs of "-", "_" and "."
// replaced by one "-". It does not validate; see NormalizeValid.
func Normalize(s string) string {
	b := make([]byte, 0, len(s))
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep {
			b = append(b, '-')
			sep = false
		}
		b = append(b, c)
	}
	if sep {
		b = append(b, '-')
	}
	return string(b)
}

// NormalizeValid validates s as a PEP 508 name and returns its PEP 503 form.
func NormalizeValid(s string) (string, error) {
	if !ValidName(s) {
		return "", fmt.Errorf("invalid name %q: want letters, digits, '-', '_' or '.', starting and ending with a letter or digit", s)
	}
	return Normalize(s), nil
}
