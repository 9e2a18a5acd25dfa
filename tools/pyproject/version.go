package pyproject

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/tomlfile"
)

// DynamicVersion says where the build backend finds a version that project.dynamic leaves to
// it. A Nix derivation needs the version before the build (its name, and nixpkgs' check that
// the built METADATA carries the derivation's version), so the translator reproduces the
// backend's lookup: from a file in the source tree, or, for a version computed from version
// control, from the user, since a Nix build sees no .git.
type DynamicVersion struct {
	// Field is the pyproject.toml key that configures the source, for messages.
	Field string
	// Files are candidate files relative to the project's directory: the first that exists
	// holds the version, read as Kind says.
	Files []string
	Kind  VersionKind
	// SCM names the tool that computes the version from version control; Files is empty.
	SCM string
	// PretendEnv is the environment variable that makes the SCM tool use a given version.
	PretendEnv string
	// Variable is the name assigned in an assignment file, alternatives joined by "|".
	Variable string
	// Fallback is the SCM tool's configured version for a tree without version control.
	Fallback string
	// Unsupported explains why nixpy cannot find the version itself; only a version given
	// by the user works then.
	Unsupported string
}

// VersionKind is how a version is read from a file.
type VersionKind string

const (
	// VersionAssignment is a `__version__ = "1.2"` line (or VERSION = ..., as hatchling's
	// default pattern allows).
	VersionAssignment VersionKind = "assignment"
	// VersionText is a file holding only the version.
	VersionText VersionKind = "text"
	// VersionCargo is the [package] version of a Cargo.toml.
	VersionCargo VersionKind = "cargo"
)

// versionTables are the tool tables the backends read a dynamic version from.
type versionTables struct {
	Tool versionTools `toml:"tool"`
}

type versionTools struct {
	Hatch struct {
		Version map[string]any `toml:"version"`
	} `toml:"hatch"`
	Setuptools struct {
		Dynamic struct {
			Version map[string]any `toml:"version"`
		} `toml:"dynamic"`
		PackageDir map[string]string `toml:"package-dir"`
	} `toml:"setuptools"`
	SetuptoolsSCM map[string]any `toml:"setuptools_scm"`
	PDM           struct {
		Version map[string]any `toml:"version"`
	} `toml:"pdm"`
	Flit struct {
		Module struct {
			Name string `toml:"name"`
		} `toml:"module"`
	} `toml:"flit"`
	Maturin struct {
		ManifestPath string `toml:"manifest-path"`
	} `toml:"maturin"`
	UVDynamicVersioning     map[string]any `toml:"uv-dynamic-versioning"`
	PoetryDynamicVersioning struct {
		Enable bool `toml:"enable"`
	} `toml:"poetry-dynamic-versioning"`
}

// readDynamicVersion finds where p's build backend takes a dynamic version from. The
// poetry-dynamic-versioning plugin makes [tool.poetry]'s version a placeholder.
func (p *Project) readDynamicVersion(name string, data []byte) error {
	if p.Version != "" && !strings.Contains(string(data), "poetry-dynamic-versioning") || p.Unpackaged {
		return nil
	}
	var t versionTables
	if err := tomlfile.Decode(name, data, &t); err != nil {
		return err
	}
	if t.Tool.PoetryDynamicVersioning.Enable {
		p.Version = ""
	}
	if p.Version != "" {
		return nil
	}
	v, err := p.dynamicVersion(&t.Tool)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if v.Fallback != "" {
		parsed, err := pep440.Parse(v.Fallback)
		if err != nil {
			return fmt.Errorf("%s: %s: fallback version: %w", name, v.Field, err)
		}
		v.Fallback = parsed.String()
	}
	p.DynamicVersion = v
	return nil
}

func (p *Project) dynamicVersion(tool *versionTools) (*DynamicVersion, error) {
	backend, _, _ := strings.Cut(p.BuildBackend, ":")
	switch {
	case tool.PoetryDynamicVersioning.Enable:
		return &DynamicVersion{Field: "tool.poetry-dynamic-versioning", SCM: "poetry-dynamic-versioning",
			PretendEnv: "POETRY_DYNAMIC_VERSIONING_BYPASS"}, nil
	case backend == "hatchling.build":
		return hatchVersion(tool.Hatch.Version, tool.UVDynamicVersioning)
	case backend == "setuptools.build_meta":
		return p.setuptoolsVersion(tool.Setuptools.Dynamic.Version, tool.Setuptools.PackageDir, tool.SetuptoolsSCM)
	case backend == "pdm.backend":
		return pdmVersion(tool.PDM.Version)
	case backend == "flit_core.buildapi":
		module := tool.Flit.Module.Name
		if module == "" {
			module = strings.ReplaceAll(p.Name, "-", "_")
		}
		return &DynamicVersion{Field: "tool.flit.module", Kind: VersionAssignment, Variable: "__version__",
			Files: moduleFiles(module, []string{"", "src"})}, nil
	case backend == "maturin":
		manifest := tool.Maturin.ManifestPath
		if manifest == "" {
			manifest = "Cargo.toml"
		}
		return &DynamicVersion{Field: "tool.maturin.manifest-path", Kind: VersionCargo, Files: []string{path.Clean(manifest)}}, nil
	}
	return &DynamicVersion{Field: "project.dynamic",
		Unsupported: fmt.Sprintf("nixpy does not know where build-backend %q finds a dynamic version", p.BuildBackend)}, nil
}

// hatchVersion follows [tool.hatch.version]: hatchling's regex source (a file), or a plugin.
func hatchVersion(cfg, uvDynamic map[string]any) (*DynamicVersion, error) {
	source := stringField(cfg, "source")
	switch source {
	case "", "regex", "code":
		file := stringField(cfg, "path")
		switch {
		case file == "":
			return &DynamicVersion{Field: "tool.hatch.version.path", Unsupported: "missing: hatchling reads the version from that file"}, nil
		case cfg["pattern"] != nil && cfg["pattern"] != true, cfg["expression"] != nil, cfg["search-paths"] != nil:
			return &DynamicVersion{Field: "tool.hatch.version",
				Unsupported: "a custom pattern or expression, which nixpy does not evaluate"}, nil
		}
		// hatchling's default pattern: __version__ or VERSION, any case.
		return &DynamicVersion{Field: "tool.hatch.version.path", Kind: VersionAssignment,
			Variable: "__version__|__VERSION__|VERSION|version|Version", Files: []string{path.Clean(file)}}, nil
	case "vcs":
		fallback := stringField(cfg, "fallback-version")
		if raw, ok := cfg["raw-options"].(map[string]any); ok && fallback == "" {
			fallback = stringField(raw, "fallback_version")
		}
		return &DynamicVersion{Field: `tool.hatch.version.source = "vcs"`, SCM: "hatch-vcs",
			PretendEnv: "SETUPTOOLS_SCM_PRETEND_VERSION", Fallback: fallback}, nil
	case "uv-dynamic-versioning":
		return &DynamicVersion{Field: `tool.hatch.version.source = "uv-dynamic-versioning"`, SCM: "uv-dynamic-versioning",
			PretendEnv: "UV_DYNAMIC_VERSIONING_BYPASS", Fallback: stringField(uvDynamic, "fallback-version")}, nil
	}
	return &DynamicVersion{Field: "tool.hatch.version.source",
		Unsupported: fmt.Sprintf("the version source plugin %q, which nixpy does not know", source)}, nil
}

// setuptoolsVersion follows [tool.setuptools.dynamic] version (attr or file), else
// setuptools-scm when the project uses it.
func (p *Project) setuptoolsVersion(cfg map[string]any, packageDir map[string]string, scm map[string]any) (*DynamicVersion, error) {
	if attr := stringField(cfg, "attr"); attr != "" {
		module, variable, ok := cutLast(attr, ".")
		if !ok {
			return nil, fmt.Errorf("tool.setuptools.dynamic.version.attr %q: want MODULE.NAME", attr)
		}
		files := p.setuptoolsModuleFiles(module, packageDir)
		for _, key := range []string{"version_file", "write_to"} {
			if written := stringField(scm, key); written != "" && slices.Contains(files, path.Clean(written)) {
				// setuptools-scm writes that file from version control at build time.
				return scmVersion(scm), nil
			}
		}
		return &DynamicVersion{Field: "tool.setuptools.dynamic.version.attr", Kind: VersionAssignment,
			Variable: variable, Files: files}, nil
	}
	switch f := cfg["file"].(type) {
	case string:
		return &DynamicVersion{Field: "tool.setuptools.dynamic.version.file", Kind: VersionText, Files: []string{path.Clean(f)}}, nil
	case []any:
		var files []string
		for _, e := range f {
			if s, ok := e.(string); ok {
				files = append(files, path.Clean(s))
			}
		}
		if len(files) == 1 {
			return &DynamicVersion{Field: "tool.setuptools.dynamic.version.file", Kind: VersionText, Files: files}, nil
		}
		return &DynamicVersion{Field: "tool.setuptools.dynamic.version.file",
			Unsupported: "several files, which setuptools joins"}, nil
	}
	if scm != nil || p.buildRequires("setuptools-scm") {
		return scmVersion(scm), nil
	}
	return &DynamicVersion{Field: "project.dynamic",
		Unsupported: "setuptools takes it from setup.py or setup.cfg, which nixpy does not read"}, nil
}

func scmVersion(scm map[string]any) *DynamicVersion {
	return &DynamicVersion{Field: "tool.setuptools_scm", SCM: "setuptools-scm",
		PretendEnv: "SETUPTOOLS_SCM_PRETEND_VERSION", Fallback: stringField(scm, "fallback_version")}
}

// setuptoolsModuleFiles are the files a dotted module may live in, under the roots
// [tool.setuptools.package-dir] maps it to, else the flat and src layouts setuptools
// discovers.
func (p *Project) setuptoolsModuleFiles(module string, packageDir map[string]string) []string {
	top, rest, _ := strings.Cut(module, ".")
	if dir, ok := packageDir[top]; ok {
		if rest == "" {
			return []string{path.Clean(dir + ".py"), path.Join(dir, "__init__.py")}
		}
		return moduleFiles(rest, []string{dir})
	}
	roots := []string{"", "src"}
	if dir, ok := packageDir[""]; ok {
		roots = []string{dir}
	}
	return moduleFiles(module, roots)
}

// pdmVersion follows [tool.pdm.version].
func pdmVersion(cfg map[string]any) (*DynamicVersion, error) {
	switch source := stringField(cfg, "source"); source {
	case "file":
		file := stringField(cfg, "path")
		if file == "" {
			return &DynamicVersion{Field: "tool.pdm.version.path", Unsupported: `missing: source = "file" reads the version from that file`}, nil
		}
		return &DynamicVersion{Field: "tool.pdm.version.path", Kind: VersionAssignment, Variable: "__version__",
			Files: []string{path.Clean(file)}}, nil
	case "scm":
		return &DynamicVersion{Field: `tool.pdm.version.source = "scm"`, SCM: "pdm-backend",
			PretendEnv: "PDM_BUILD_SCM_VERSION", Fallback: stringField(cfg, "fallback_version")}, nil
	case "":
		return &DynamicVersion{Field: "tool.pdm.version", Unsupported: "missing: pdm-backend takes a dynamic version from there"}, nil
	default:
		return &DynamicVersion{Field: "tool.pdm.version.source",
			Unsupported: fmt.Sprintf("source = %q, which nixpy does not evaluate", source)}, nil
	}
}

func (p *Project) buildRequires(name string) bool {
	for _, d := range p.BuildRequires {
		if d.Name == name {
			return true
		}
	}
	return false
}

// moduleFiles are the files of a dotted module under each root: a module file or a package.
func moduleFiles(module string, roots []string) []string {
	rel := strings.ReplaceAll(module, ".", "/")
	var files []string
	for _, root := range roots {
		files = append(files, path.Join(root, rel+".py"), path.Join(root, rel, "__init__.py"))
	}
	return files
}

func stringField(table map[string]any, key string) string {
	s, _ := table[key].(string)
	return strings.TrimSpace(s)
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
