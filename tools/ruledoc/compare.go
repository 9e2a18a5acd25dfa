package ruledoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Compare lists how the generated files differ from those in dir: a file that differs or
// is missing, and a generated file in dir that Generate no longer makes.
func Compare(dir string, got map[string][]byte) ([]string, error) {
	var problems []string
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			problems = append(problems, name+" is missing")
			continue
		}
		if err != nil {
			return nil, err
		}
		if line, ok := firstDiff(want, got[name]); ok {
			problems = append(problems, fmt.Sprintf("%s differs from line %d on", name, line))
		}
	}
	existing, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	for _, p := range existing {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if _, made := got[filepath.Base(p)]; !made && IsGenerated(data) {
			problems = append(problems, filepath.Base(p)+" is generated from a .bzl file that is gone")
		}
	}
	return problems, nil
}

// firstDiff returns the first line (from 1) where a and b differ.
func firstDiff(a, b []byte) (int, bool) {
	if bytes.Equal(a, b) {
		return 0, false
	}
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1, true
		}
	}
	return min(len(al), len(bl)) + 1, true
}
