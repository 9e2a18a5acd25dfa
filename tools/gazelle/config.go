package gazelle

import (
	"log"
	"path"
	"path/filepath"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

// Directives, each inherited by subdirectories until overridden.
const (
	directivePrefix  = "nixpy_repository_prefix" // registry/namespace that push repositories go under
	directiveMode    = "nixpy_mode"              // lock or nixpkgs; unset: lock when a lock file is there
	directiveExclude = "nixpy_exclude"           // no targets in this directory and below
	directiveNixpkgs = "nixpy_nixpkgs"           // label of the nixpkgs to build with
)

const defaultNixpkgs = "@nixpkgs"

// settings is the nixpy configuration of one directory.
type settings struct {
	prefix  string
	mode    string
	exclude bool
	nixpkgs string
	// workspace is the uv workspace this directory is in, if any.
	workspace *uvWorkspace
}

func getSettings(c *config.Config) *settings {
	if s, ok := c.Exts[langName].(*settings); ok {
		return s
	}
	return &settings{nixpkgs: defaultNixpkgs}
}

func (nixpyLang) KnownDirectives() []string {
	return []string{directivePrefix, directiveMode, directiveExclude, directiveNixpkgs}
}

// Configure copies the parent's settings, so a directive holds for its directory and below.
func (nixpyLang) Configure(c *config.Config, rel string, f *rule.File) {
	s := *getSettings(c)
	c.Exts[langName] = &s
	// Directories are configured top-down, so a workspace root is read before its members.
	if w, err := readWorkspace(filepath.Join(c.RepoRoot, rel), rel); err != nil {
		log.Printf("nixpy: %v", err)
	} else if w != nil {
		s.workspace = w
	}
	if f == nil {
		return
	}
	where := path.Join(rel, path.Base(f.Path))
	for _, d := range f.Directives {
		switch d.Key {
		case directivePrefix:
			s.prefix = strings.TrimRight(d.Value, "/")
		case directiveMode:
			switch d.Value {
			case "lock", "nixpkgs", "":
				s.mode = d.Value
			default:
				log.Printf("%s: # gazelle:%s %q: want lock or nixpkgs; keeping %q", where, d.Key, d.Value, s.mode)
			}
		case directiveExclude:
			// A bare directive excludes; "false" lets a subdirectory opt back in.
			s.exclude = d.Value != "false"
		case directiveNixpkgs:
			if d.Value == "" {
				s.nixpkgs = defaultNixpkgs
			} else {
				s.nixpkgs = d.Value
			}
		}
	}
}
