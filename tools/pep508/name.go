// Package pep508 parses Python dependency specifiers (PEP 508): project names, extras,
// version specifiers, direct URLs and environment markers, and evaluates markers for one
// target environment.
package pep508

import (
	"fmt"
	"regexp"
	"strings"
)

var nameRE = regexp.MustCompile(`^(?i:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)

var separatorsRE = regexp.MustCompile(`[-_.]+`)

// ValidName reports whether s is a valid project (or extra, or group) name.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Normalize returns the PEP 503 form of a name: lower case, runs of "-", "_" and "."
// replaced by one "-". It does not validate; see NormalizeValid.
func Normalize(s string) string {
	return separatorsRE.ReplaceAllString(strings.ToLower(s), "-")
}

// NormalizeValid validates s as a PEP 508 name and returns its PEP 503 form.
func NormalizeValid(s string) (string, error) {
	if !ValidName(s) {
		return "", fmt.Errorf("invalid name %q: want letters, digits, '-', '_' or '.', starting and ending with a letter or digit", s)
	}
	return Normalize(s), nil
}
