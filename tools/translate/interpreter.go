package translate

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

// NixpkgsPythons are the CPython minor versions that current nixpkgs releases ship as top-level
// attributes pythonXY (python310 ... python314 on nixos-25.05 and nixos-unstable; nixos-24.11 lacks
// python314), oldest first. Without an explicit version or a .python-version file, the interpreter
// is the newest of these that requires-python (pyproject.toml's and the lock's) allows.
var NixpkgsPythons = []string{"3.10", "3.11", "3.12", "3.13", "3.14"}

// maxPatch bounds the patch releases tried when requires-python names a patch level
// (">=3.11.4"): a minor fits when one of its releases up to this one is allowed.
const maxPatch = 50

// choosePython returns the CPython version to translate for (X.Y or X.Y.Z) and where it came
// from, for the header: opts.Python when given, else the first request of .python-version
// (uv's convention), else the newest of NixpkgsPythons that the project's and the lock's
// requires-python allow.
func choosePython(opts Options, proj *pyproject.Project, pyName string, lock *lockfile.Lock) (version, from string, err error) {
	if opts.Python != "" {
		return opts.Python, "--python", nil
	}
	if f := opts.PythonVersionFile; f != nil {
		v, err := parsePythonVersionFile(*f)
		if err != nil {
			return "", "", err
		}
		return v, f.Name, nil
	}
	for i := len(NixpkgsPythons) - 1; i >= 0; i-- {
		if v, ok := fitMinor(NixpkgsPythons[i], proj.RequiresPython, lockRequires(lock)); ok {
			return v, "requires-python", nil
		}
	}
	ranges, verb := fmt.Sprintf("%s: requires-python %s", pyName, constraintText(proj.RequiresPython)), "allows"
	if lock != nil && len(lock.RequiresPython) > 0 {
		ranges += fmt.Sprintf(" and %s: requires-python %s", lock.File, constraintText(lock.RequiresPython))
		verb = "allow"
	}
	return "", "", fmt.Errorf("%s %s none of the CPython versions nixpkgs ships (%s): fix the range, or name the interpreter your nixpkgs has with --python X.Y (the rules' python attribute)",
		ranges, verb, strings.Join(NixpkgsPythons, ", "))
}

func lockRequires(lock *lockfile.Lock) []pep440.Specifier {
	if lock == nil {
		return nil
	}
	return lock.RequiresPython
}

func constraintText(c []pep440.Specifier) string {
	if len(c) == 0 {
		return "(any)"
	}
	return pyproject.Dependency{Constraint: c}.ConstraintString()
}

// fitMinor returns the first release X.Y.P of minor (as "X.Y" when P is 0) that every range
// allows.
func fitMinor(minor string, ranges ...[]pep440.Specifier) (string, bool) {
	for p := 0; p <= maxPatch; p++ {
		v, err := pep440.Parse(fmt.Sprintf("%s.%d", minor, p))
		if err != nil {
			return "", false
		}
		ok := true
		for _, r := range ranges {
			ok = ok && anyMatch(r, v)
		}
		if ok {
			if p == 0 {
				return minor, true
			}
			return fmt.Sprintf("%s.%d", minor, p), true
		}
	}
	return "", false
}

// parsePythonVersionFile reads the interpreter request of a .python-version file as uv does:
// the first line that is neither blank nor a comment. CPython requests only: X.Y or X.Y.Z,
// optionally prefixed by "cpython-", "cpython@", "cpython" or "python".
func parsePythonVersionFile(in Input) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(in.Data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		req := strings.ToLower(s)
		for _, prefix := range []string{"cpython-", "cpython@", "cpython", "python"} {
			if strings.HasPrefix(req, prefix) {
				req = strings.TrimPrefix(req, prefix)
				break
			}
		}
		v, err := pep440.Parse(req)
		if err != nil || v.String() != req || len(v.Release) < 2 || len(v.Release) > 3 || v.Release[0] != 3 {
			return "", fmt.Errorf("%s:%d: python request %q: want a CPython version 3.Y or 3.Y.Z (other implementations, free-threaded builds and ranges have no nixpkgs pythonXY attribute)", in.Name, line, s)
		}
		return req, nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", in.Name, err)
	}
	return "", fmt.Errorf("%s: no python version in the file", in.Name)
}

// pythonAttr is nixpkgs' attribute of the chosen interpreter: python312 for 3.12.
func (t *translation) pythonAttr() string {
	return fmt.Sprintf("python%d%d", t.target.PythonMajor, t.target.PythonMinor)
}

// missingPython is the evaluation error when the nixpkgs given lacks the chosen interpreter.
func (t *translation) missingPython() string {
	return fmt.Sprintf("nixpy: this nixpkgs has no %s (CPython %d.%d, chosen from %s): use a nixpkgs that has it, or translate for one it has (python, .python-version), or pass python",
		t.pythonAttr(), t.target.PythonMajor, t.target.PythonMinor, t.pythonFrom)
}
