package gazelle

import (
	"fmt"
	"log"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/rule"
	bzl "github.com/bazelbuild/buildtools/build"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

const pyprojectFile = "pyproject.toml"

// lockFiles in order of preference when a directory holds more than one. requirements.txt is a lock
// only when every pin has its hashes (pip-compile --generate-hashes, uv pip compile --generate-hashes).
var lockFiles = []string{"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", requirementsFile}

const requirementsFile = "requirements.txt"

// srcsExclude keeps tests and bytecode out of the application's inputs: they do not ship in the
// image, and editing a test should not rebuild it. Sorted as buildifier sorts them, so a merge
// compares equal to what the previous run wrote.
var srcsExclude = []string{
	"**/*_test.py",
	"**/__pycache__/**",
	"**/conftest.py",
	"**/test_*.py",
	"**/tests/**",
}

const noLockComment = "# No lock file (uv.lock, poetry.lock, pdm.lock, pylock.toml or requirements.txt with hashes)" +
	" next to pyproject.toml: dependencies come from nixpkgs."

// GenerateRules writes the three targets of a directory holding a pyproject.toml. A pyproject.toml
// that does not parse is reported and yields no rules, so the directory's BUILD file is left as it was.
func (nixpyLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	s := getSettings(args.Config)
	if s.exclude || !slices.Contains(args.RegularFiles, pyprojectFile) {
		return language.GenerateResult{}
	}
	rules, err := generate(args, s)
	if err != nil {
		log.Print(err)
		return language.GenerateResult{}
	}
	return language.GenerateResult{Gen: rules, Imports: make([]any, len(rules))}
}

func generate(args language.GenerateArgs, s *settings) ([]*rule.Rule, error) {
	name := path.Join(args.Rel, pyprojectFile)
	data, err := os.ReadFile(filepath.Join(args.Dir, pyprojectFile))
	if err != nil {
		return nil, fmt.Errorf("nixpy: %w", err)
	}
	var m *member
	var rules []*rule.Rule
	if s.workspace != nil {
		m = s.workspace.members[args.Rel]
		if args.Rel == s.workspace.rel {
			// The members' packages read the lock through this.
			lock := rule.NewRule(kindFiles, lockTarget)
			lock.SetAttr("srcs", []string{"uv.lock"})
			lock.SetAttr("visibility", []string{"//visibility:public"})
			rules = append(rules, lock)
			if m == nil {
				// A virtual workspace root: no project of its own.
				return rules, nil
			}
		}
	}
	p, err := pyproject.Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("nixpy: %w", err)
	}

	if m != nil && m.needed {
		files := rule.NewRule(kindFiles, packageTarget)
		g, ok := sourceGlob(p.Name, args.Subdirs, args.RegularFiles)
		files.SetAttr("srcs", packageFiles{glob: g, ok: ok})
		files.SetAttr("visibility", []string{"//visibility:public"})
		rules = append(rules, files)
		if len(p.Scripts) == 0 {
			// A library of the workspace: its dependants' images hold it.
			return rules, nil
		}
	}

	image := rule.NewRule(kindImage, "image")
	image.SetAttr("pyproject", pyprojectFile)
	image.SetAttr("nixpkgs", s.nixpkgs)
	lock := firstOf(lockFiles, args.RegularFiles)
	var resolve *rule.Rule
	if lock == requirementsFile {
		hashOnly, isLock := readRequirements(args.Dir, path.Join(args.Rel, lock))
		switch {
		case !isLock:
			lock = ""
		case hashOnly || slices.Contains(args.RegularFiles, lockfile.ResolvedPath(lock)):
			resolve = resolveRule(lock)
		}
	} else if lock != "" && slices.Contains(args.RegularFiles, lockfile.ResolvedPath(lock)) {
		resolve = resolveRule(lock)
	}
	if s.mode == "nixpkgs" {
		resolve = nil
	}
	if resolve != nil && slices.Contains(args.RegularFiles, lockfile.ResolvedPath(lock)) {
		image.SetAttr("artifacts", lockfile.ResolvedPath(lock))
	}
	if lock == "" && m != nil {
		lock = s.workspace.lockLabel()
	}
	if m != nil && len(m.needs) > 0 {
		labels := make([]string, len(m.needs))
		for i, d := range m.needs {
			labels[i] = packageLabel(d)
		}
		image.SetAttr("local_packages", labels)
	}
	switch {
	case lock == "":
		if s.mode == "lock" {
			log.Printf("nixpy: %s: # gazelle:%s lock, but no lock file (%s): using nixpkgs mode",
				name, directiveMode, strings.Join(lockFiles, ", "))
		}
		image.SetAttr("mode", "nixpkgs")
		c := image.AttrComments("mode")
		c.Before = append(c.Before, bzl.Comment{Token: noLockComment})
	case s.mode == "nixpkgs":
		image.SetAttr("mode", "nixpkgs")
	default:
		// The rule's mode defaults to "lock" when a lock file is given.
		image.SetAttr("lock", lock)
	}
	if g, ok := sourceGlob(p.Name, args.Subdirs, args.RegularFiles); ok {
		image.SetAttr("srcs", g)
	}
	if len(p.Scripts) == 0 {
		// No console script to run: the image is the project's Python environment, run with python.
		image.SetAttr("environment", true)
	}
	if len(p.Scripts) > 1 {
		// With one script the rule already picks it; with several, the one pyproject.MainScript picks,
		// written out so the BUILD file says which.
		image.SetAttr("entrypoint", []string{"{app}/bin/" + pyproject.MainScript(p.Name, p.ScriptNames())})
	}

	push := rule.NewRule(kindPush, "push")
	push.SetAttr("image", ":image")
	repository := p.Name
	if s.prefix != "" {
		repository = s.prefix + "/" + p.Name
	}
	push.SetAttr("repository", repository)
	// Written once, then the user's: `nixpy ci` stamps the commit into it; an unstamped
	// `bazel run :push` pushes by digest and says it skipped the tag.
	push.SetAttr("remote_tags", []string{"{STABLE_GIT_COMMIT}"})

	load := rule.NewRule(kindLoad, "load")
	load.SetAttr("image", ":image")
	load.SetAttr("repo_tags", []string{p.Name + ":latest"})

	if resolve != nil {
		rules = append(rules, resolve)
	}
	return append(rules, image, push, load), nil
}

// resolveRule is the nixpy_resolve target of a lock whose pins name no file: `bazel run :resolve` writes
// the file the image's artifacts attribute takes, which the next Gazelle run adds once it exists.
func resolveRule(lock string) *rule.Rule {
	r := rule.NewRule(kindResolve, "resolve")
	r.SetAttr("lock", lock)
	return r
}

// readRequirements tells whether a requirements.txt is a lock (every pin hashed, so lock mode can check
// what it fetches) and whether some pins name no file, only hashes. One that is no lock (loose
// specifiers, pins without hashes) is logged and left to nixpkgs mode.
func readRequirements(dir, name string) (hashOnly, isLock bool) {
	data, err := os.ReadFile(filepath.Join(dir, requirementsFile))
	if err != nil {
		log.Printf("nixpy: %v", err)
		return false, false
	}
	l, err := lockfile.Parse(name, data)
	if err == nil && len(l.Packages) == 0 {
		err = fmt.Errorf("%s: no pinned package", name)
	}
	if err == nil {
		for _, p := range l.Packages {
			if len(p.Hashes) == 0 && len(p.Wheels) == 0 && p.Sdist == nil && !p.IsLocal() {
				err = fmt.Errorf("%s: %s: %s", name, p.Name, p.Unsupported)
				break
			}
			hashOnly = hashOnly || len(p.Hashes) > 0
		}
	}
	if err != nil {
		log.Printf("nixpy: %v: not a lock, so nixpkgs mode", err)
		return false, false
	}
	return hashOnly, true
}

// sourceGlob picks the project's sources: src/ (the src layout), the import package named after
// the project (the flat layout) and top-level modules, minus tests. ok is false when there are none.
func sourceGlob(project string, subdirs, files []string) (g srcsGlob, ok bool) {
	if slices.Contains(subdirs, "src") {
		g.Patterns = append(g.Patterns, "src/**")
	}
	if pkg := strings.ReplaceAll(project, "-", "_"); slices.Contains(subdirs, pkg) {
		g.Patterns = append(g.Patterns, pkg+"/**")
	}
	for _, f := range files {
		if !strings.Contains(f, "/") && strings.HasSuffix(f, ".py") {
			g.Patterns = append(g.Patterns, "*.py")
			break
		}
	}
	if len(g.Patterns) == 0 {
		return g, false
	}
	g.Excludes = srcsExclude
	return g, true
}

// packageFiles is a local package's pyproject.toml and its sources' glob, replacing the previous
// value when merged, as srcsGlob does.
type packageFiles struct {
	glob srcsGlob
	ok   bool // the glob has patterns
}

func (f packageFiles) BzlExpr() bzl.Expr {
	files := &bzl.ListExpr{List: []bzl.Expr{&bzl.StringExpr{Value: pyprojectFile}}}
	if !f.ok {
		return files
	}
	return &bzl.BinaryExpr{X: files, Op: "+", Y: f.glob.BzlExpr()}
}

func (f packageFiles) Merge(bzl.Expr) bzl.Expr { return f.BzlExpr() }

// srcsGlob is a glob that replaces the previous one when merged: the sources are Gazelle's to pick
// unless the attribute is marked "# keep".
type srcsGlob rule.GlobValue

func (g srcsGlob) BzlExpr() bzl.Expr { return rule.GlobValue(g).BzlExpr() }

func (g srcsGlob) Merge(bzl.Expr) bzl.Expr { return g.BzlExpr() }

func firstOf(want, have []string) string {
	for _, w := range want {
		if slices.Contains(have, w) {
			return w
		}
	}
	return ""
}
