// Package stamp replaces {KEY} placeholders in text by values, the one rule for every place rules_nixpy
// stamps: the image's values (nixpy plan and nixpy image --stamp) and nixpy_push's remote tags (nixpy stamp).
//
// A placeholder is a KEY of letters, digits and underscores, not starting with a digit, in braces:
// {STABLE_GIT_COMMIT}. Other braces ({"a": 1}, {}, {a-b}) are text. Values are not expanded again.
//
// The rule for a placeholder without a value depends on whether the build is stamped (Bazel's --stamp, which
// hands the rules the workspace status files):
//
//   - stamped: an error naming the key (and, from the caller, the file or attribute it is in), since a
//     stamped build that silently kept "{STABLE_GIT_COMMT}" would push or label the typo;
//   - unstamped: the text stays as written, so the output depends on no workspace status and an unstamped
//     build repeats byte for byte. nixpy_push then skips a tag that still holds a placeholder (HasKey): no
//     value could stand for it.
package stamp

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// placeholder matches {KEY}; its group is the KEY.
var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Expander replaces {KEY} by Vars[KEY].
type Expander struct {
	// Vars are the values: the workspace status and whatever the caller adds (nixpy plan's {app}).
	Vars map[string]string
	// Stamped makes a {KEY} missing from Vars an error; otherwise it stays as written.
	Stamped bool
}

// Expand returns text with every {KEY} of Vars replaced by its value. A {KEY} not in Vars is an error in a
// stamped build, naming every such key of text, and is kept as written in an unstamped one.
func (e Expander) Expand(text string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(text, func(m string) string {
		key := m[1 : len(m)-1]
		if v, ok := e.Vars[key]; ok {
			return v
		}
		missing = append(missing, m)
		return m
	})
	if e.Stamped && len(missing) > 0 {
		return "", &MissingError{Keys: uniqueSorted(missing), Known: e.known()}
	}
	return out, nil
}

// MissingError is a stamped build's error for placeholders without a value.
type MissingError struct {
	Keys  []string // the placeholders, braces included, sorted
	Known []string // the keys that have values, sorted
}

func (e *MissingError) Error() string {
	what := "no workspace status value for " + strings.Join(e.Keys, ", ")
	if len(e.Known) > 0 {
		what += " (it has " + strings.Join(e.Known, ", ") + ")"
	}
	return what + "; add the key with --workspace_status_command, or build without --stamp to keep the text"
}

func (e Expander) known() []string {
	keys := make([]string, 0, len(e.Vars))
	for k := range e.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// HasKey reports whether text holds a {KEY} placeholder.
func HasKey(text string) bool {
	return placeholder.MatchString(text)
}

// ReadStatus reads Bazel's workspace status files (stable-status.txt and volatile-status.txt): one
// "KEY VALUE" a line, the value being the rest of the line after the first space, possibly empty. A key in a
// later file wins.
func ReadStatus(files ...string) (map[string]string, error) {
	vars := map[string]string{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if k, v, _ := strings.Cut(sc.Text(), " "); k != "" {
				vars[k] = v
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return vars, nil
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
