package translate

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pnameVersionRE reads a package's pname and version; a version read when Nix evaluates (a
// dynamic one, from the project's files) or a throw reads as the expression's first word.
var pnameVersionRE = regexp.MustCompile(`(?m)^\s*pname = "([^"]+)";\n\s*version = "?([^" ;]+)`)

// closureOf maps every package the output builds, the app included, to its version.
func closureOf(out []byte) map[string]string {
	got := map[string]string{}
	for _, m := range pnameVersionRE.FindAllSubmatch(out, -1) {
		got[string(m[1])] = string(m[2])
	}
	return got
}

// TestClosure checks, for one case per lock kind, the exact packages and versions the app's
// closure gets, read off the lock by hand for the case's target, extras and groups.
func TestClosure(t *testing.T) {
	cases := map[string]string{
		// flask itself with extras async and dotenv and group tests; greenlet through the tests group.
		"uv-flask/lock.nix": "flask 3.2.0.dev0, asgiref 3.11.1, blinker 1.9.0, click 8.3.2, greenlet 3.3.2, itsdangerous 2.2.0, " +
			"jinja2 3.1.6, markupsafe 3.0.3, werkzeug 3.1.8, python-dotenv 1.2.2, iniconfig 2.3.0, packaging 26.0, " +
			"pluggy 1.6.0, pygments 2.20.0, pytest 9.0.2",
		// Every pin whose marker holds on Linux (colorama is for win32 only).
		"requirements/lock.nix": "shop 1.0.0, blinker 1.9.0, click 8.3.2, flask 3.1.3, itsdangerous 2.2.0, jinja2 3.1.6, " +
			"markupsafe 3.0.3, werkzeug 3.1.8",
		"uv-workspace/lock.nix": "shop 1.2.0, shop-common nixpy.versionIn, six 1.17.0, tinyvcs 0.3.0, vendored-tool 0.9.1",
		"uv-conflicts/lock.nix": "trainer nixpy.versionIn, torchlike 2.9.1, six 1.17.0",
		"uv-conflicts/cpu.nix":  "trainer nixpy.versionIn, torchlike 2.9.1+cpu",
		"uv-conflicts/gpu.nix":  "trainer nixpy.versionIn, torchlike 2.9.1+gpu, six 1.17.0",
		// Poetry 1.0: colorama is Windows-only by its package marker, though click's edge to it
		// has none; the optional redis is out without the extra.
		"poetry10/lock.nix": "shop 0.3.0, blinker 1.9.0, click 8.3.2, flask 3.1.3, itsdangerous 2.2.0, jinja2 3.1.6, " +
			"markupsafe 3.0.3, werkzeug 3.1.8",
		// pdm.lock 4.1, files in [metadata.files]; the test group brings pytest.
		"pdm41/lock.nix": "shop 1.0.0, blinker 1.9.0, click 8.3.2, flask 3.1.3, itsdangerous 2.2.0, jinja2 3.1.6, " +
			"markupsafe 3.0.3, werkzeug 3.1.8, iniconfig 2.3.0, packaging 26.0, pluggy 1.6.0, pygments 2.20.0, pytest 9.0.2",
		// An application PDM does not build, named "app" as its path names no directory.
		"pdm-app/lock.nix": "app 0, blinker 1.9.0, click 8.3.2, flask 3.1.3, itsdangerous 2.2.0, jinja2 3.1.6, " +
			"markupsafe 3.0.3, werkzeug 3.1.8",
	}
	for _, c := range goldenCases {
		spec, ok := cases[c.dir+"/"+c.out]
		if !ok {
			continue
		}
		delete(cases, c.dir+"/"+c.out)
		want := map[string]string{}
		for _, pv := range strings.Split(spec, ", ") {
			name, version, _ := strings.Cut(pv, " ")
			want[name] = version
		}
		if got := closureOf(c.translate(t)); !maps.Equal(got, want) {
			t.Errorf("%s/%s: closure\n got %v\nwant %v", c.dir, c.out, sortedPairs(got), sortedPairs(want))
		}
	}
	for k := range cases {
		t.Errorf("%s: no such golden case", k)
	}
}

func sortedPairs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+" "+v)
	}
	slices.Sort(out)
	return out
}
