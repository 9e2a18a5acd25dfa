// Package lockdist reads and writes distributions.json: the Python distributions a translation
// pinned from the lock, with the artifact each is built from and the lock's edges between them.
// `nixpy translate` writes it beside the Nix expression and `nixpy sbom` reads it, so the SBOM
// names exactly what the lock chose for the target, without parsing the lock a second time.
package lockdist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/google/renameio/v2"
)

// Manifest is the content of distributions.json.
type Manifest struct {
	// Python is the CPython minor version the distributions were chosen for, e.g. "3.12".
	Python string `json:"python"`
	// Distributions are sorted by name; empty in nixpkgs mode, where nixpkgs supplies them.
	Distributions []Distribution `json:"distributions"`
}

// Distribution is one locked distribution of the translation.
type Distribution struct {
	Name string `json:"name"` // PEP 503 normalised
	// Version is empty for a local package whose version its build computes.
	Version string `json:"version"`
	// Source is "registry" (an index or URL artifact), "git" or "local".
	Source string `json:"source"`
	// URL is the artifact's URL after the translation's rewrites, or the git repository's.
	URL string `json:"url,omitempty"`
	// SHA256 is the artifact's lower-case hex digest (registry only).
	SHA256 string `json:"sha256,omitempty"`
	// Rev is the git commit (git only).
	Rev string `json:"rev,omitempty"`
	// Dependencies are the names of the distributions the lock says this one needs, sorted.
	Dependencies []string `json:"dependencies"`
}

// Sources of a distribution.
const (
	Registry = "registry"
	Git      = "git"
	Local    = "local"
)

// Marshal renders the manifest canonically: sorted, indented, with a trailing newline.
func (m *Manifest) Marshal() ([]byte, error) {
	m.normalize()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding distributions: %w", err)
	}
	return append(data, '\n'), nil
}

func (m *Manifest) normalize() {
	if m.Distributions == nil {
		m.Distributions = []Distribution{}
	}
	for i := range m.Distributions {
		d := &m.Distributions[i]
		if d.Dependencies == nil {
			d.Dependencies = []string{}
		}
		sort.Strings(d.Dependencies)
	}
	sort.Slice(m.Distributions, func(i, j int) bool { return m.Distributions[i].Name < m.Distributions[j].Name })
}

// Write writes the manifest to file atomically.
func (m *Manifest) Write(file string) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("writing distributions: %w", err)
	}
	return nil
}

// Read reads a distributions.json file and checks that every dependency it names is listed.
func Read(file string) (*Manifest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading distributions: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("distributions %s: malformed JSON: %w", file, err)
	}
	m.normalize()
	names := map[string]bool{}
	for _, d := range m.Distributions {
		if d.Name == "" || (d.Version == "" && d.Source != Local) {
			return nil, fmt.Errorf("distributions %s: an entry without name or version", file)
		}
		if names[d.Name] {
			return nil, fmt.Errorf("distributions %s: %s appears twice", file, d.Name)
		}
		names[d.Name] = true
	}
	for _, d := range m.Distributions {
		for _, dep := range d.Dependencies {
			if !names[dep] {
				return nil, fmt.Errorf("distributions %s: %s depends on %s, which is not listed", file, d.Name, dep)
			}
		}
	}
	return &m, nil
}
