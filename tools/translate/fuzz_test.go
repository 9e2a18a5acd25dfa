package translate

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/nixexpr/nixexprtest"
)

// lockNames are the file names the fuzzer's lock text is given, one per kind.
var lockNames = []string{"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "requirements.txt", ""}

// FuzzTranslate feeds arbitrary pyproject and lock text to Translate. Whatever it accepts must
// pass nixexprtest.Check (balanced, every string closed, no interpolation) and hold, outside
// strings and comments, nothing but the template's own words and validated package names.
// Its seed corpus is testdata/fuzz/FuzzTranslate plus the golden inputs. Minimising a new
// input of several kilobytes takes the fuzzer minutes, so run it with minimisation off:
//
//	go -C tools test ./translate -run '^$' -fuzz FuzzTranslate -fuzzminimizetime 0 -fuzztime 5m
func FuzzTranslate(f *testing.F) {
	for _, c := range goldenCases {
		if c.lock == "" || c.dir == "uv-flask" || c.dir == "uv-celery" {
			continue
		}
		py, err := os.ReadFile(filepath.Join("testdata", c.dir, "pyproject.toml"))
		if err != nil {
			f.Fatal(err)
		}
		lock, err := os.ReadFile(filepath.Join("testdata", c.dir, c.lock))
		if err != nil {
			f.Fatal(err)
		}
		kind := 0
		for i, n := range lockNames {
			if n == c.lock {
				kind = i
			}
		}
		f.Add(string(py), string(lock), uint8(kind), c.opts.Mode == "lock")
	}
	f.Fuzz(func(t *testing.T, py, lock string, kind uint8, lockMode bool) {
		opts := Options{Mode: "nixpkgs", Python: "3.13", System: "x86_64-linux"}
		if lockMode {
			opts.Mode = "lock"
		}
		var lockIn *Input
		if name := lockNames[int(kind)%len(lockNames)]; name != "" {
			lockIn = &Input{Name: name, Data: []byte(lock)}
		}
		out, err := Translate(Input{Name: "pyproject.toml", Data: []byte(py)}, lockIn, opts)
		if err != nil {
			return
		}
		if err := nixexprtest.Check(out); err != nil {
			t.Fatalf("accepted output fails the check: %v\n%s", err, out)
		}
		if bad := unexpectedWords(out); len(bad) > 0 {
			t.Fatalf("unexpected words outside strings: %q\n%s", bad, out)
		}
	})
}

// templateWords are the identifiers the emitter itself writes.
var templateWords = map[string]bool{}

func init() {
	for _, w := range regexp.MustCompile(`\s+`).Split(`pkgs import nixpkgs python python3 src let in
		inherit app deps env withPackages toPythonModule nixpy rec noDev num parse v m at opt s d
		hasPre hasPost hasDev preKind if then else null raw epoch release tail local pre post
		cmpInt a b la lb n l i go c cmpList cmpLocal compare withLocal c1 c2 c3 base prefixMatch
		clause op text wildcard init prefix equal matches check name alternatives drv constraint
		throw pkg attr pythonChecked pythonVersion version buildPythonPackage pname format
		pyproject fetchurl url hash build-system dependencies dontCheckRuntimeDeps doCheck true
		false buildPythonApplication optional-dependencies or meta mainProgram builtins seq
		match elemAt fromJSON head map filter isString split length genList all any substring
		stringLength concatStringsSep hasAttr getAttr _ toString subtree without dir rel rels
		excluded path elem p fetchGit rev allRefs dontBuild installPhase sitePackages source
		nativeBuildInputs autoPatchelfHook buildInputs pythonManylinuxPackages dontStrip postInstall
		importsFromRecord has tryEval success substituted pythonRemoveDeps versionIn pathExists readFile
		foldl' SETUPTOOLS_SCM_PRETEND_VERSION PDM_BUILD_SCM_VERSION UV_DYNAMIC_VERSIONING_BYPASS
		POETRY_DYNAMIC_VERSIONING_BYPASS`, -1) {
		templateWords[w] = true
	}
}

var (
	commentRE = regexp.MustCompile(`(?m)#.*$`)
	stringRE  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	wordRE    = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_'-]*`)
	// nameRE is a PEP 503 normalised name, the only input that reaches the output unquoted.
	nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

func unexpectedWords(src []byte) []string {
	code := stringRE.ReplaceAll(src, []byte(`""`))
	code = commentRE.ReplaceAll(code, nil)
	var bad []string
	for _, w := range wordRE.FindAllString(string(code), -1) {
		if !templateWords[w] && !nameRE.MatchString(w) {
			bad = append(bad, w)
		}
	}
	return bad
}

func TestUnexpectedWords(t *testing.T) {
	for _, c := range goldenCases {
		out := c.translate(t)
		if bad := unexpectedWords(out); len(bad) > 0 {
			t.Errorf("%s/%s: words outside the template: %q", c.dir, c.out, bad)
		}
	}
	if bad := unexpectedWords([]byte(`{ x = builtins.getEnv "HOME"; }`)); len(bad) != 1 || bad[0] != "getEnv" {
		t.Errorf("unexpectedWords missed getEnv: %q", bad)
	}
}
