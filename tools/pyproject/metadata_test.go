package pyproject

import (
	"reflect"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		name, toml string
		want       Metadata
	}{
		{
			name: "PEP 621 with a PEP 639 license and URLs labelled as people write them",
			toml: `[project]
name = "Flask-App"
version = "1.2.0"
description = "  A service  "
license = "MIT OR Apache-2.0"
[project.urls]
Homepage = "https://example.com"
"Source Code" = "https://github.com/acme/app"
Bug_Tracker = "https://github.com/acme/app/issues"
`,
			want: Metadata{Name: "Flask-App", Version: "1.2.0", Description: "A service", License: "MIT OR Apache-2.0",
				URLs: map[string]string{"homepage": "https://example.com", "sourcecode": "https://github.com/acme/app", "bugtracker": "https://github.com/acme/app/issues"}},
		},
		{
			name: "license-expression, a dynamic version",
			toml: `[project]
name = "app"
dynamic = ["version"]
license-expression = "BSD-3-Clause"
`,
			want: Metadata{Name: "app", License: "BSD-3-Clause", URLs: map[string]string{}},
		},
		{
			name: "a one-line license.text is an expression, a file or a full text is not",
			toml: `[project]
name = "app"
version = "1"
license = {text = "Apache-2.0"}
`,
			want: Metadata{Name: "app", Version: "1", License: "Apache-2.0", URLs: map[string]string{}},
		},
		{
			name: "license file",
			toml: `[project]
name = "app"
version = "1"
license = {file = "LICENSE"}
`,
			want: Metadata{Name: "app", Version: "1", URLs: map[string]string{}},
		},
		{
			name: "full license text",
			toml: "[project]\nname = \"app\"\nversion = \"1\"\nlicense = {text = \"Permission is granted\\nto anyone\"}\n",
			want: Metadata{Name: "app", Version: "1", URLs: map[string]string{}},
		},
		{
			name: "Poetry 1",
			toml: `[tool.poetry]
name = "poetry-app"
version = "0.3.0"
description = "Poetry"
license = "GPL-3.0-only"
homepage = "https://poetry.example"
repository = "https://git.example/app"
[tool.poetry.urls]
"Issue Tracker" = "https://git.example/app/issues"
`,
			want: Metadata{Name: "poetry-app", Version: "0.3.0", Description: "Poetry", License: "GPL-3.0-only",
				URLs: map[string]string{"homepage": "https://poetry.example", "repository": "https://git.example/app", "issuetracker": "https://git.example/app/issues"}},
		},
		{
			name: "Poetry 2: [project] wins, [tool.poetry] fills the gaps",
			toml: `[project]
name = "app"
version = "2.0"
[project.urls]
homepage = "https://project.example"
[tool.poetry]
description = "from poetry"
homepage = "https://poetry.example"
repository = "https://git.example/app"
`,
			want: Metadata{Name: "app", Version: "2.0", Description: "from poetry",
				URLs: map[string]string{"homepage": "https://project.example", "repository": "https://git.example/app"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMetadata("pyproject.toml", []byte(tt.toml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseMetadataErrors(t *testing.T) {
	for _, tt := range []struct{ toml, want string }{
		{"[project]\nname = \"app\"\nlicense = 3\n", "pyproject.toml: project.license: want a string or a table, got int64"},
		{"[project]\nname = \"app\"\nurls = \"x\"\n", "pyproject.toml:3: invalid TOML"},
	} {
		_, err := ParseMetadata("pyproject.toml", []byte(tt.toml))
		if err == nil || len(err.Error()) < len(tt.want) || err.Error()[:len(tt.want)] != tt.want {
			t.Errorf("%q: error %v, want it to start with %q", tt.toml, err, tt.want)
		}
	}
}

func TestNormalizeURLLabel(t *testing.T) {
	for in, want := range map[string]string{"Homepage": "homepage", "Source Code": "sourcecode", "Bug-Tracker": "bugtracker", "Issue_Tracker ": "issuetracker", "Change~Log!": "changelog"} {
		if got := NormalizeURLLabel(in); got != want {
			t.Errorf("NormalizeURLLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
