package pyproject

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

// Metadata is the descriptive part of pyproject.toml, what a package index (or an image's annotations) shows:
// PEP 621 [project], with Poetry's [tool.poetry] filling what [project] leaves out.
type Metadata struct {
	Name        string // as written, not normalised: a display name
	Version     string // empty when dynamic
	Description string
	// License is an SPDX expression (PEP 639's license string, the older license-expression draft, or a
	// one-line license.text or Poetry license); empty when the project gives none or only a file.
	License string
	// URLs maps each project URL's label, normalised as PEP 753 says (lower case, punctuation and
	// whitespace removed: "Source Code" is "sourcecode"), to its URL.
	URLs map[string]string
}

type metadataFile struct {
	Project *struct {
		Name              string            `toml:"name"`
		Version           string            `toml:"version"`
		Description       string            `toml:"description"`
		License           any               `toml:"license"`
		LicenseExpression string            `toml:"license-expression"`
		URLs              map[string]string `toml:"urls"`
	} `toml:"project"`
	Tool struct {
		Poetry *struct {
			Name          string            `toml:"name"`
			Version       string            `toml:"version"`
			Description   string            `toml:"description"`
			License       string            `toml:"license"`
			Homepage      string            `toml:"homepage"`
			Repository    string            `toml:"repository"`
			Documentation string            `toml:"documentation"`
			URLs          map[string]string `toml:"urls"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

// ParseMetadata reads the metadata of pyproject.toml content; name is the file name used in errors. It checks
// no more than the types: the translation (Parse) is what rejects a project it cannot build.
func ParseMetadata(name string, data []byte) (*Metadata, error) {
	var f metadataFile
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	m := &Metadata{URLs: map[string]string{}}
	if p := f.Project; p != nil {
		m.Name, m.Version, m.Description = p.Name, p.Version, p.Description
		switch l := p.License.(type) {
		case nil:
		case string:
			m.License = l
		case map[string]any:
			// {file = ...} names a file the image's metadata cannot hold; {text = ...} is often the whole text.
			if text, ok := l["text"].(string); ok && !strings.Contains(strings.TrimSpace(text), "\n") {
				m.License = text
			}
		default:
			return nil, fmt.Errorf("%s: project.license: want a string or a table, got %T", name, l)
		}
		if m.License == "" {
			m.License = p.LicenseExpression
		}
		addURLs(m.URLs, p.URLs)
	}
	if t := f.Tool.Poetry; t != nil {
		m.Name = firstNonEmpty(m.Name, t.Name)
		m.Version = firstNonEmpty(m.Version, t.Version)
		m.Description = firstNonEmpty(m.Description, t.Description)
		m.License = firstNonEmpty(m.License, t.License)
		addURLs(m.URLs, map[string]string{"homepage": t.Homepage, "repository": t.Repository, "documentation": t.Documentation})
		addURLs(m.URLs, t.URLs)
	}
	m.Name, m.Version, m.Description, m.License = trim(m.Name), trim(m.Version), trim(m.Description), trim(m.License)
	return m, nil
}

// URL returns the URL of the first label of labels (PEP 753 normalised) the project has, else "".
func (m *Metadata) URL(labels ...string) string {
	for _, l := range labels {
		if u := m.URLs[l]; u != "" {
			return u
		}
	}
	return ""
}

// addURLs adds urls under their normalised labels, keeping a label already there ([project] wins over Poetry);
// among labels that normalise alike, the first by name wins, so the result does not depend on map order.
func addURLs(dst, urls map[string]string) {
	labels := make([]string, 0, len(urls))
	for l := range urls {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		n := NormalizeURLLabel(l)
		if u := trim(urls[l]); u != "" && dst[n] == "" {
			dst[n] = u
		}
	}
}

// NormalizeURLLabel normalises a project URL's label as PEP 753 does: lower case, without punctuation or
// whitespace.
func NormalizeURLLabel(label string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || (r < unicode.MaxASCII && unicode.IsPunct(r)) || strings.ContainsRune("$+<=>^`|~", r) {
			return -1
		}
		return unicode.ToLower(r)
	}, label)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func trim(s string) string { return strings.TrimSpace(s) }
