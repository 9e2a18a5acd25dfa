package pyproject

import (
	"reflect"
	"testing"
)

func TestDynamicVersion(t *testing.T) {
	const head = "[project]\nname = \"demo-app\"\ndynamic = [\"version\"]\n"
	tests := []struct {
		name string
		toml string
		want *DynamicVersion
	}{
		{"static version", "[project]\nname = \"a\"\nversion = \"1.0\"\n", nil},
		{"hatch path", head + "[tool.hatch.version]\npath = \"src/demo/__about__.py\"\n" + hatchling,
			&DynamicVersion{Field: "tool.hatch.version.path", Kind: VersionAssignment,
				Variable: "__version__|__VERSION__|VERSION|version|Version", Files: []string{"src/demo/__about__.py"}}},
		{"hatch custom pattern", head + "[tool.hatch.version]\npath = \"v.py\"\npattern = \"V = (?P<version>.*)\"\n" + hatchling,
			&DynamicVersion{Field: "tool.hatch.version", Unsupported: "a custom pattern or expression, which nixpy does not evaluate"}},
		{"hatch without path", head + hatchling,
			&DynamicVersion{Field: "tool.hatch.version.path", Unsupported: "missing: hatchling reads the version from that file"}},
		{"hatch-vcs with fallback", head + "[tool.hatch.version]\nsource = \"vcs\"\nraw-options = { fallback_version = \"0.0.1.dev0\" }\n" + hatchling,
			&DynamicVersion{Field: `tool.hatch.version.source = "vcs"`, SCM: "hatch-vcs", PretendEnv: "SETUPTOOLS_SCM_PRETEND_VERSION", Fallback: "0.0.1.dev0"}},
		{"uv-dynamic-versioning", head + "[tool.hatch.version]\nsource = \"uv-dynamic-versioning\"\n[tool.uv-dynamic-versioning]\nfallback-version = \"0.0.0\"\n" + hatchling,
			&DynamicVersion{Field: `tool.hatch.version.source = "uv-dynamic-versioning"`, SCM: "uv-dynamic-versioning",
				PretendEnv: "UV_DYNAMIC_VERSIONING_BYPASS", Fallback: "0.0.0"}},
		{"setuptools attr, flat and src layouts", head + "[tool.setuptools.dynamic]\nversion = { attr = \"demo.about.__version__\" }\n" + setuptools,
			&DynamicVersion{Field: "tool.setuptools.dynamic.version.attr", Kind: VersionAssignment, Variable: "__version__",
				Files: []string{"demo/about.py", "demo/about/__init__.py", "src/demo/about.py", "src/demo/about/__init__.py"}}},
		{"setuptools attr, package-dir", head + "[tool.setuptools.dynamic]\nversion = { attr = \"demo.VERSION\" }\n[tool.setuptools.package-dir]\n\"\" = \"lib\"\n" + setuptools,
			&DynamicVersion{Field: "tool.setuptools.dynamic.version.attr", Kind: VersionAssignment, Variable: "VERSION",
				Files: []string{"lib/demo.py", "lib/demo/__init__.py"}}},
		{"setuptools attr written by setuptools-scm", head + "[tool.setuptools.dynamic]\nversion = { attr = \"demo._version.version\" }\n[tool.setuptools_scm]\nversion_file = \"src/demo/_version.py\"\n" + setuptools,
			&DynamicVersion{Field: "tool.setuptools_scm", SCM: "setuptools-scm", PretendEnv: "SETUPTOOLS_SCM_PRETEND_VERSION"}},
		{"setuptools file", head + "[tool.setuptools.dynamic]\nversion = { file = \"VERSION\" }\n" + setuptools,
			&DynamicVersion{Field: "tool.setuptools.dynamic.version.file", Kind: VersionText, Files: []string{"VERSION"}}},
		{"setuptools-scm by requirement", head + "[build-system]\nrequires = [\"setuptools\", \"setuptools_scm[toml]>=6\"]\nbuild-backend = \"setuptools.build_meta\"\n",
			&DynamicVersion{Field: "tool.setuptools_scm", SCM: "setuptools-scm", PretendEnv: "SETUPTOOLS_SCM_PRETEND_VERSION"}},
		{"setup.py", head + setuptools,
			&DynamicVersion{Field: "project.dynamic", Unsupported: "setuptools takes it from setup.py or setup.cfg, which nixpy does not read"}},
		{"pdm scm", head + "[tool.pdm.version]\nsource = \"scm\"\nfallback_version = \"1.0\"\n[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n",
			&DynamicVersion{Field: `tool.pdm.version.source = "scm"`, SCM: "pdm-backend", PretendEnv: "PDM_BUILD_SCM_VERSION", Fallback: "1.0"}},
		{"pdm file", head + "[tool.pdm.version]\nsource = \"file\"\npath = \"src/demo/__init__.py\"\n[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n",
			&DynamicVersion{Field: "tool.pdm.version.path", Kind: VersionAssignment, Variable: "__version__", Files: []string{"src/demo/__init__.py"}}},
		{"flit module named after the project", head + "[build-system]\nrequires = [\"flit_core\"]\nbuild-backend = \"flit_core.buildapi\"\n",
			&DynamicVersion{Field: "tool.flit.module", Kind: VersionAssignment, Variable: "__version__",
				Files: []string{"demo_app.py", "demo_app/__init__.py", "src/demo_app.py", "src/demo_app/__init__.py"}}},
		{"maturin", head + "[build-system]\nrequires = [\"maturin>=1\"]\nbuild-backend = \"maturin\"\n",
			&DynamicVersion{Field: "tool.maturin.manifest-path", Kind: VersionCargo, Files: []string{"Cargo.toml"}}},
		{"poetry-dynamic-versioning", "[tool.poetry]\nname = \"demo\"\nversion = \"0.0.0\"\n[tool.poetry-dynamic-versioning]\nenable = true\n" +
			"[build-system]\nrequires = [\"poetry-core\", \"poetry-dynamic-versioning\"]\nbuild-backend = \"poetry_dynamic_versioning.backend\"\n",
			&DynamicVersion{Field: "tool.poetry-dynamic-versioning", SCM: "poetry-dynamic-versioning", PretendEnv: "POETRY_DYNAMIC_VERSIONING_BYPASS"}},
		{"unknown backend", head + "[build-system]\nrequires = [\"whey\"]\nbuild-backend = \"whey\"\n",
			&DynamicVersion{Field: "project.dynamic", Unsupported: `nixpy does not know where build-backend "whey" finds a dynamic version`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("pyproject.toml", []byte(tt.toml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.DynamicVersion, tt.want) {
				t.Errorf("DynamicVersion = %+v\nwant %+v", p.DynamicVersion, tt.want)
			}
			if tt.want != nil && p.Version != "" {
				t.Errorf("Version = %q for a dynamic version", p.Version)
			}
		})
	}
}

func TestDynamicVersionErrors(t *testing.T) {
	const bad = "[project]\nname = \"a\"\ndynamic = [\"version\"]\n[tool.setuptools.dynamic]\nversion = { attr = \"noversion\" }\n" + setuptools
	_, err := Parse("pyproject.toml", []byte(bad))
	if want := `pyproject.toml: tool.setuptools.dynamic.version.attr "noversion": want MODULE.NAME`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	const badFallback = "[project]\nname = \"a\"\ndynamic = [\"version\"]\n[tool.pdm.version]\nsource = \"scm\"\nfallback_version = \"not a version\"\n" +
		"[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n"
	if _, err := Parse("pyproject.toml", []byte(badFallback)); err == nil {
		t.Error("a fallback version that is no PEP 440 version was accepted")
	}
}

const (
	hatchling  = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"
	setuptools = "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"
)
