package ruledoc

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the golden docs under testdata")

// TestGolden generates the docs of each repository under testdata and compares them with the
// repository's docs/.
func TestGolden(t *testing.T) {
	for _, name := range []string{"full", "providers_only"} {
		t.Run(name, func(t *testing.T) {
			root := filepath.Join("testdata", name)
			docs, err := Generate(os.DirFS(root), "example")
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(root, "docs")
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for file, data := range docs {
					if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			problems, err := Compare(dir, docs)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Errorf("%s (run go -C tools test ./ruledoc -update and review the diff)", strings.Join(problems, "; "))
			}
		})
	}
}

// TestCompareDocsStale checks that a generated file whose .bzl file is gone is reported and a
// hand-written one is not.
func TestCompareDocsStale(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"gone.md":  header + "\n",
		"guide.md": "# A hand-written guide\n",
		"defs.md":  "old\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Compare(dir, map[string][]byte{"defs.md": []byte("new\n"), "providers.md": nil})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"defs.md differs from line 1 on", "providers.md is missing", "gone.md is generated from a .bzl file that is gone"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("compareDocs = %q, want %q", got, want)
	}
}

func TestGenerateErrors(t *testing.T) {
	const reexport = "load(\"//rules/private:r.bzl\", _r = \"r\")\nr = _r\n"
	rule := func(attrs string) string {
		return "r = rule(implementation = _impl, attrs = " + attrs + ")\n"
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{
			name: "no public file",
			want: "none of rules/defs.bzl",
		},
		{
			name:  "syntax error",
			files: map[string]string{"rules/defs.bzl": "x = (\n"},
			want:  "rules/defs.bzl:",
		},
		{
			name:  "undefined name",
			files: map[string]string{"rules/defs.bzl": "\nr = _missing\n"},
			want:  "r: rules/defs.bzl:2: _missing is not defined",
		},
		{
			name:  "missing private file",
			files: map[string]string{"rules/defs.bzl": reexport},
			want:  "rules/defs.bzl:1: load of _r: open rules/private/r.bzl: file does not exist",
		},
		{
			name:  "another repository",
			files: map[string]string{"rules/defs.bzl": "load(\"@other//x:y.bzl\", _r = \"r\")\nr = _r\n"},
			want:  "rules/defs.bzl:1: load of _r: @other//x:y.bzl is in another repository",
		},
		{
			name: "symbol not in loaded file",
			files: map[string]string{
				"rules/defs.bzl":      reexport,
				"rules/private/r.bzl": "other = 1\n",
			},
			want: "rules/defs.bzl:1: load of _r: rules/private/r.bzl does not define r",
		},
		{
			name:  "names in a cycle",
			files: map[string]string{"rules/defs.bzl": "a = b\nb = a\n"},
			want:  "refer to each other",
		},
		{
			name: "unknown attr type",
			files: map[string]string{
				"rules/defs.bzl":      reexport,
				"rules/private/r.bzl": rule("{\n    \"x\": attr.labels(),\n}"),
			},
			want: "r: rules/private/r.bzl:2: attribute \"x\": attr.labels is not an attribute type",
		},
		{
			name: "attribute not an attr call",
			files: map[string]string{
				"rules/defs.bzl":      reexport,
				"rules/private/r.bzl": rule("{\"x\": make_attr()}"),
			},
			want: "rules/private/r.bzl:1: attribute \"x\": want an attr.* call, got make_attr()",
		},
		{
			name: "attrs not a dict",
			files: map[string]string{
				"rules/defs.bzl":      reexport,
				"rules/private/r.bzl": rule("dict(a = 1)"),
			},
			want: "rules/private/r.bzl:1: want a dict literal, a name bound to one or a | b, got dict(a = 1)",
		},
		{
			name: "mandatory not a bool",
			files: map[string]string{
				"rules/defs.bzl":      reexport,
				"rules/private/r.bzl": rule("{\"x\": attr.string(mandatory = 1)}"),
			},
			want: "attribute \"x\": mandatory must be True or False",
		},
		{
			name: "doc not a literal",
			files: map[string]string{
				"rules/defs.bzl": "P = provider(doc = \"a\" + \"b\")\n",
			},
			want: "P: rules/defs.bzl:1: want a string literal, got \"a\" + \"b\"",
		},
		{
			name: "docstring documents a missing parameter",
			files: map[string]string{
				"rules/defs.bzl": "def f(a):\n    \"\"\"F.\n\n    Args:\n      a: A.\n      b: B.\n    \"\"\"\n",
			},
			want: "f: rules/defs.bzl:1: docstring documents b, which is not a parameter of f",
		},
		{
			name: "malformed Args entry",
			files: map[string]string{
				"rules/defs.bzl": "\ndef f(a):\n    \"\"\"F.\n\n    Args:\n      a is documented without a colon\n    \"\"\"\n",
			},
			want: "f: rules/defs.bzl:3: docstring: Args: \"a is documented without a colon\" is not NAME: DESCRIPTION",
		},
		{
			name: "Args text before the first entry",
			files: map[string]string{
				"rules/defs.bzl": "def f(a):\n    \"\"\"F.\n\n    Args:\n        stray\n      a: A.\n    \"\"\"\n",
			},
			want: "f: rules/defs.bzl:2: docstring: Args: \"stray\" continues no NAME: DESCRIPTION",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, content := range tc.files {
				fsys[p] = &fstest.MapFile{Data: []byte(content)}
			}
			_, err := Generate(fsys, "example")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseDocstring(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want docstring
	}{
		{
			name: "text only",
			in:   "Does it.\n\nAt length.",
			want: docstring{text: "Does it.\n\nAt length."},
		},
		{
			name: "sections in any order, text between kept",
			in:   "Does it.\n\nReturns:\n  The result.\n\nMore text.\n\nArgs:\n  *args: Positional.\n  **kwargs: Named,\n    over two lines.\n\nDeprecated:\n  Use other.",
			want: docstring{
				text:       "Does it.\n\nMore text.",
				args:       []argDoc{{"*args", "Positional."}, {"**kwargs", "Named,\nover two lines."}},
				returns:    "The result.",
				deprecated: "Use other.",
			},
		},
		{
			name: "argument description on the next line",
			in:   "Args:\n    x:\n        The x.\n\n        Second paragraph.",
			want: docstring{args: []argDoc{{"x", "The x.\n\nSecond paragraph."}}},
		},
		{
			name: "text right after a section is a paragraph of its own",
			in:   "A.\nReturns:\n  x\nB.",
			want: docstring{text: "A.\n\nB.", returns: "x"},
		},
		{
			name: "a header not at the margin is text",
			in:   "Example\n  Args:\n  x: y",
			want: docstring{text: "Example\n  Args:\n  x: y"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDocstring(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.text != tc.want.text || got.returns != tc.want.returns || got.deprecated != tc.want.deprecated || !equalArgs(got.args, tc.want.args) {
				t.Errorf("parseDocstring(%q) =\n%#v\nwant\n%#v", tc.in, got, tc.want)
			}
		})
	}
}

func equalArgs(a, b []argDoc) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
