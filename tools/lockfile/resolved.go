package lockfile

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"

	"github.com/pelletier/go-toml/v2"
)

// Resolved is the artifacts file `nixpy resolve` writes beside a lock: the file name and URL on
// a package index of each hash the lock pins. It makes a lock that records hashes without URLs
// (requirements.txt pins, poetry.lock, pdm.lock) fetchable inside a build, which has no network.
type Resolved struct {
	Version   int                `toml:"version"`
	Lock      string             `toml:"lock"`    // the lock file it was resolved from, for review
	Indexes   []string           `toml:"indexes"` // where the files were found
	Artifacts []ResolvedArtifact `toml:"artifact"`
}

// ResolvedArtifact is one file of a locked package as the index serves it.
type ResolvedArtifact struct {
	Name     string `toml:"name"`
	Version  string `toml:"version"`
	Filename string `toml:"filename"`
	URL      string `toml:"url"`
	SHA256   string `toml:"sha256"`
}

// ResolvedPath is where `nixpy resolve` writes the artifacts file of a lock by default:
// requirements.txt gives requirements.resolved.toml, poetry.lock poetry.resolved.toml.
func ResolvedPath(lock string) string {
	return strings.TrimSuffix(lock, filepath.Ext(lock)) + ".resolved.toml"
}

const resolvedHeader = `# Written by nixpy resolve: the file name and URL on a package index of every hash %s pins.
# Review and commit it with the lock; resolve again after changing the lock.
`

// Encode renders the artifacts file.
func (r *Resolved) Encode() ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, resolvedHeader, r.Lock)
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseResolved reads an artifacts file; name is used in errors.
func ParseResolved(name string, data []byte) (*Resolved, error) {
	var r Resolved
	if err := tomlfile.Decode(name, data, &r); err != nil {
		return nil, err
	}
	if r.Version != 1 {
		return nil, fmt.Errorf("%s: version: unsupported artifacts file version %d (this tool reads 1)", name, r.Version)
	}
	for i := range r.Artifacts {
		a := &r.Artifacts[i]
		var err error
		if a.Name, err = pep508.NormalizeValid(a.Name); err != nil {
			return nil, fmt.Errorf("%s: artifact[%d]: name: %w", name, i, err)
		}
		if a.SHA256, err = parseHash("sha256:" + a.SHA256); err != nil {
			return nil, fmt.Errorf("%s: artifact[%d] %s: sha256: %w", name, i, a.Name, err)
		}
		if a.URL == "" || a.Filename == "" {
			return nil, fmt.Errorf("%s: artifact[%d] %s: url and filename are required", name, i, a.Name)
		}
	}
	return &r, nil
}

// URLGuessed reports whether the lock recorded no URL for a file of project: its URL is empty
// (a file of a Poetry source) or the one PyPI's file host may serve it at (poetry.lock, pdm.lock
// without static URLs).
func URLGuessed(project string, a Artifact) bool {
	return a.URL == "" || a.URL == pypiURL(project, a.Filename)
}

// ApplyResolved gives the lock's packages the files of r: a hash-only pin gets the files of its
// hashes, and an artifact whose URL the lock guessed from its file name gets the index's URL.
// name is r's file name, for errors.
func (l *Lock) ApplyResolved(r *Resolved, name string) {
	bySum := map[string]ResolvedArtifact{}
	for _, a := range r.Artifacts {
		bySum[a.Name+" "+a.SHA256] = a
	}
	for _, p := range l.Packages {
		if len(p.Hashes) > 0 {
			for _, h := range p.Hashes {
				if a, ok := bySum[p.Name+" "+h]; ok {
					p.addFile(Artifact{URL: a.URL, Filename: a.Filename, SHA256: a.SHA256})
				}
			}
			if p.Sdist != nil || len(p.Wheels) > 0 {
				p.Unsupported = ""
			} else {
				p.Unsupported = fmt.Sprintf("none of the hashes of %s==%s is in %s: resolve the lock again", p.Name, p.Version, name)
				if p.Line > 0 {
					p.Unsupported = fmt.Sprintf("line %d: %s", p.Line, p.Unsupported)
				}
			}
			continue
		}
		if p.Sdist != nil {
			if a, ok := bySum[p.Name+" "+p.Sdist.SHA256]; ok {
				p.Sdist.URL = a.URL
			}
		}
		for i, w := range p.Wheels {
			if a, ok := bySum[p.Name+" "+w.SHA256]; ok {
				p.Wheels[i].URL = a.URL
			}
		}
		if p.Index != "" && p.Unsupported != "" {
			resolveIndexFiles(p)
		}
	}
}

// resolveIndexFiles keeps the files of a package from an index the lock records no URLs for
// (a Poetry source) that the artifacts file resolved; with any left, the package is fetchable.
func resolveIndexFiles(p *Package) {
	if p.Sdist != nil && p.Sdist.URL == "" {
		p.Sdist = nil
	}
	p.Wheels = slices.DeleteFunc(p.Wheels, func(a Artifact) bool { return a.URL == "" })
	if p.Sdist != nil || len(p.Wheels) > 0 {
		p.Unsupported = ""
	}
}
