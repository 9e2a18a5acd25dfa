// Package translate turns a Python project's pyproject.toml and lock file into a Nix
// expression, in one of two modes:
//
//   - nixpkgs: each dependency named in pyproject.toml comes from nixpkgs' python.pkgs (PEP 503
//     name, or the attribute of a known rename); its version constraint is checked when Nix
//     evaluates, and a mismatch throws naming the package, the constraint and nixpkgs' version.
//     A lock file, if given, is read and checked against pyproject.toml but pins nothing.
//   - lock: every package the lock resolves for the target is built with buildPythonPackage
//     from one of its locked artifacts, fetched with fetchurl and its sha256: the best wheel
//     by PEP 425 tags, else the sdist with a build backend from nixpkgs. The dependency graph
//     is the lock's, after marker evaluation and extras.
//
// Either way the project itself is a separate buildPythonApplication of `src`, so an edit of
// the source rebuilds only it. The emitted file is a function (see writeHeader for its
// documented interface) usable with plain nix-build and with rules_nixpkgs.
package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/lockdist"
	"github.com/nixpy/rules_nixpy/tools/lockfile"
	"github.com/nixpy/rules_nixpy/tools/pep440"
	"github.com/nixpy/rules_nixpy/tools/pep508"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
	"github.com/nixpy/rules_nixpy/tools/wheeltags"
)

// Input is one input file: its name (for errors and the header) and content.
type Input struct {
	Name string
	Data []byte
}

// Rewrite maps URLs that start with From to To followed by the rest.
type Rewrite struct{ From, To string }

// DefaultSystem is the Nix system nixpy translate targets when not told (--system); py_nix_image and
// py_nix_translate default to it too, through rules/private/defaults.bzl, which a test keeps equal.
const DefaultSystem = "x86_64-linux"

// DefaultLibc is the libc wheels must run on when Options.Libc is empty: the rules pass none unless told.
const DefaultLibc = "glibc-2.40"

// Options are the translation's parameters besides the input files.
type Options struct {
	Mode   string // "nixpkgs" or "lock"
	Extras []string
	Groups []string
	// Python is the CPython version, "3.12" or "3.12.7"; empty: from PythonVersionFile, else
	// from requires-python (see choosePython). System is a Nix system string.
	Python string
	// PythonVersionFile is the project's .python-version (uv's convention), or nil.
	PythonVersionFile *Input
	System            string
	// Libc is "glibc-2.40" or "musl-1.2" on linux (empty: DefaultLibc); it bounds the
	// manylinux and musllinux wheels lock mode may pick.
	Libc        string
	URLRewrites []Rewrite
	// Artifacts, when set, is the file `nixpy resolve` wrote for the lock (artifacts.go).
	Artifacts *Input
	// ProjectVersion is the project's version where pyproject.toml leaves it dynamic: needed
	// when version control computes it (setuptools-scm, hatch-vcs, pdm-backend's scm source),
	// since a Nix build has no .git. Local packages whose version comes from version control
	// get it too.
	ProjectVersion string
	// ReadFile reads the pyproject.toml of a local package (a workspace member, an editable
	// or path dependency) by its path: the lock's directory joined with the lock's path for
	// it. Nil when the caller has no files besides the inputs.
	ReadFile func(name string) ([]byte, error)
}

// Translate returns the Nix expression for a project. lock may be nil in nixpkgs mode.
func Translate(pyprojectIn Input, lockIn *Input, opts Options) ([]byte, error) {
	r, err := Run(pyprojectIn, lockIn, opts)
	if err != nil {
		return nil, err
	}
	return r.Nix, nil
}

// Result is a translation's output.
type Result struct {
	// Nix is the Nix expression.
	Nix []byte
	// Distributions are the locked distributions the expression builds (none in nixpkgs mode).
	Distributions *lockdist.Manifest
}

// Run translates a project and returns the expression with the distributions it pins.
func Run(pyprojectIn Input, lockIn *Input, opts Options) (*Result, error) {
	t, err := newTranslation(pyprojectIn, lockIn, opts)
	if err != nil {
		return nil, err
	}
	if err := t.resolve(); err != nil {
		return nil, err
	}
	return &Result{Nix: t.emit(), Distributions: t.distributions()}, nil
}

// distributions lists the lock-mode closure's packages with their chosen artifacts and the lock's
// edges, the cycle edges the expression leaves out among them.
func (t *translation) distributions() *lockdist.Manifest {
	m := &lockdist.Manifest{Python: fmt.Sprintf("%d.%d", t.target.PythonMajor, t.target.PythonMinor)}
	if t.opts.Mode != "lock" {
		return m
	}
	for _, name := range sortedKeys(t.nodes) {
		n := t.nodes[name]
		d := lockdist.Distribution{Name: n.pkg.Name, Version: n.pkg.Version,
			Dependencies: append(sortedKeys(n.deps), n.cut...)}
		switch {
		case n.local != nil:
			d.Source = lockdist.Local
			if d.Version == "" {
				d.Version = n.local.Version
			}
		case n.pkg.Git != nil:
			d.Source, d.URL, d.Rev = lockdist.Git, n.pkg.Git.URL, n.pkg.Git.Rev
		default:
			d.Source, d.URL, d.SHA256 = lockdist.Registry, n.artifact.URL, n.artifact.SHA256
		}
		m.Distributions = append(m.Distributions, d)
	}
	return m
}

type translation struct {
	pyIn   Input
	lockIn *Input
	opts   Options
	proj   *pyproject.Project
	lock   *lockfile.Lock
	env    pep508.Env
	target wheeltags.Target
	libc   string
	// pythonFrom says where opts.Python came from, for the header.
	pythonFrom string

	// direct are the app's dependencies, sorted by name, after marker evaluation.
	direct []pyproject.Dependency
	// nodes are the packages of the deps attribute set, by name (lock mode).
	nodes map[string]*node
	// byName indexes the lock's packages but the project, for find.
	byName map[string][]*lockfile.Package
	// root is the lock's entry for the project itself, if it has one (uv, uv's pylock.toml).
	root *lockfile.Package
	// pins are the versions the root's edges name for the selected extras and groups: uv
	// locks one version per index when extras conflict, and the root's edges say which.
	pins map[string]string
	// conflictExtras are uv's encodings of the selected extras and groups
	// ("extra-8-nanochat-cpu"), which the lock's markers test to tell conflicting forks apart.
	conflictExtras []string
}

// node is one package of the lock-mode closure.
type node struct {
	pkg    *lockfile.Package
	extras map[string]bool
	deps   map[string]bool
	// cut lists dependencies dropped to break a cycle.
	cut      []string
	artifact lockfile.Artifact
	wheel    bool
	backend  []string
	// local is the pyproject.toml of a local package; srcPath is its directory relative to
	// the project's (the `src` argument), with slashes.
	local   *pyproject.Project
	srcPath string
}

func newTranslation(pyIn Input, lockIn *Input, opts Options) (*translation, error) {
	// The caller's slices stay untouched: names are normalised in copies.
	opts.Extras = append([]string(nil), opts.Extras...)
	opts.Groups = append([]string(nil), opts.Groups...)
	t := &translation{pyIn: pyIn, lockIn: lockIn, opts: opts}
	switch opts.Mode {
	case "nixpkgs":
	case "lock":
		if lockIn == nil {
			return nil, fmt.Errorf("lock mode needs a lock file")
		}
	default:
		return nil, fmt.Errorf("mode %q: want nixpkgs or lock", opts.Mode)
	}
	var err error
	if t.proj, err = pyproject.Parse(pyIn.Name, pyIn.Data); err != nil {
		return nil, err
	}
	if lockIn != nil {
		if t.lock, err = lockfile.Parse(lockIn.Name, lockIn.Data); err != nil {
			return nil, err
		}
	}
	if opts.Python, t.pythonFrom, err = choosePython(opts, t.proj, pyIn.Name, t.lock); err != nil {
		return nil, err
	}
	t.opts.Python = opts.Python
	if opts.ProjectVersion != "" {
		v, err := pep440.Parse(opts.ProjectVersion)
		if err != nil {
			return nil, fmt.Errorf("project version %q: %w", opts.ProjectVersion, err)
		}
		t.opts.ProjectVersion = v.String()
	}
	if t.env, err = pep508.NewEnv(opts.Python, opts.System); err != nil {
		return nil, err
	}
	if t.target, t.libc, err = targetOf(opts); err != nil {
		return nil, err
	}
	for i, e := range opts.Extras {
		if opts.Extras[i], err = pep508.NormalizeValid(e); err != nil {
			return nil, fmt.Errorf("--extras: %w", err)
		}
	}
	for i, g := range opts.Groups {
		if opts.Groups[i], err = pep508.NormalizeValid(g); err != nil {
			return nil, fmt.Errorf("--groups: %w", err)
		}
	}
	t.env.Extras = pep508.SortedUnique(append([]string(nil), opts.Extras...))
	t.env.Groups = pep508.SortedUnique(append([]string(nil), opts.Groups...))
	for _, r := range opts.URLRewrites {
		if err := validURL(r.From); err != nil {
			return nil, fmt.Errorf("--url-rewrite %s: FROM: %w", r.From, err)
		}
		if err := validURL(r.To); err != nil {
			return nil, fmt.Errorf("--url-rewrite %s: TO: %w", r.To, err)
		}
	}
	if err := t.applyArtifacts(); err != nil {
		return nil, err
	}
	return t, nil
}

func targetOf(opts Options) (wheeltags.Target, string, error) {
	v, err := pep440.Parse(opts.Python)
	if err != nil || len(v.Release) < 2 {
		return wheeltags.Target{}, "", fmt.Errorf("python version %q: want X.Y or X.Y.Z", opts.Python)
	}
	arch, osName, _ := strings.Cut(opts.System, "-")
	t := wheeltags.Target{PythonMajor: v.Release[0], PythonMinor: v.Release[1], OS: osName, Machine: arch}
	switch osName {
	case "darwin":
		if arch == "aarch64" {
			t.Machine = "arm64"
		}
		t.MacOSMajor, t.MacOSMinor = 11, 0
		return t, "macOS 11.0", nil
	case "linux":
		libc := opts.Libc
		if libc == "" {
			libc = DefaultLibc
		}
		name, ver, ok := strings.Cut(libc, "-")
		lv, err := pep440.Parse(ver)
		if !ok || err != nil || len(lv.Release) != 2 || (name != "glibc" && name != "musl") {
			return t, "", fmt.Errorf("libc %q: want glibc-2.Y or musl-1.Y", libc)
		}
		t.Libc, t.LibcMajor, t.LibcMinor = name, lv.Release[0], lv.Release[1]
		return t, libc, nil
	}
	return t, "", fmt.Errorf("system %q: want x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin", opts.System)
}

// validURL accepts http, https and file URLs without blanks, quotes or control characters.
func validURL(s string) error {
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '\'' || r == '\\' || r == '`' || r == 0x7f {
			return fmt.Errorf("URL %q holds a blank, quote, backslash or control character", s)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("URL %q: %w", s, err)
	}
	switch u.Scheme {
	case "https", "http", "file":
	default:
		return fmt.Errorf("URL %q: scheme must be https, http or file", s)
	}
	if u.Scheme != "file" && u.Host == "" {
		return fmt.Errorf("URL %q has no host", s)
	}
	return nil
}

func (t *translation) rewrite(u string) string {
	best := -1
	for i, r := range t.opts.URLRewrites {
		if strings.HasPrefix(u, r.From) && (best < 0 || len(r.From) > len(t.opts.URLRewrites[best].From)) {
			best = i
		}
	}
	if best < 0 {
		return u
	}
	r := t.opts.URLRewrites[best]
	return r.To + strings.TrimPrefix(u, r.From)
}

// resolve checks the inputs against each other and, in lock mode, computes the closure.
func (t *translation) resolve() error {
	if err := t.checkPython(); err != nil {
		return err
	}
	if t.lock != nil {
		if err := t.findRoot(); err != nil {
			return err
		}
	}
	selected, err := t.proj.Selected(t.env.Extras, t.env.Groups)
	if err != nil {
		return fmt.Errorf("%s: %w", t.pyIn.Name, err)
	}
	if selected, err = t.addDynamic(selected); err != nil {
		return err
	}
	byName := map[string]pyproject.Dependency{}
	active := map[string]bool{}
	for _, e := range t.env.Extras {
		active[e] = true
	}
	for i := 0; i < len(selected); i++ {
		d := selected[i]
		ok, err := pep508.EvalMarker(d.Marker, t.env)
		if err != nil {
			return fmt.Errorf("%s: dependency %s: %w", t.pyIn.Name, d.Name, err)
		}
		if !ok {
			continue
		}
		if d.Name == t.proj.Name {
			// "app[a,b]" in an extra or group of app itself stands for those extras.
			for _, e := range d.Extras {
				more, known := t.proj.Optional[e]
				if !known {
					return fmt.Errorf("%s: dependency %s[%s]: no such extra", t.pyIn.Name, d.Name, e)
				}
				if !active[e] {
					active[e] = true
					selected = append(selected, more...)
				}
			}
			continue
		}
		if prev, dup := byName[d.Name]; dup {
			// The same name twice (a group repeating a main dependency): both constraints hold.
			d.Extras = pep508.SortedUnique(append(append([]string(nil), prev.Extras...), d.Extras...))
			d.Constraint = mergeConstraints(prev.Constraint, d.Constraint)
		}
		byName[d.Name] = d
	}
	for _, d := range byName {
		t.direct = append(t.direct, d)
	}
	sort.Slice(t.direct, func(i, j int) bool { return t.direct[i].Name < t.direct[j].Name })
	if t.lock == nil {
		return nil
	}
	if t.lock.Flat {
		err = t.resolveFlat()
	} else {
		err = t.resolveGraph()
	}
	if err != nil || t.opts.Mode != "lock" {
		// nixpkgs mode reads the lock only to check it against pyproject.toml.
		return err
	}
	t.breakCycles()
	return t.pickArtifacts()
}

// mergeConstraints returns constraints that hold when both a and b hold.
func mergeConstraints(a, b []pep440.Specifier) []pep440.Specifier {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	var out []pep440.Specifier
	for _, x := range a {
		for _, y := range b {
			out = append(out, append(append(pep440.Specifier(nil), x...), y...))
		}
	}
	return out
}

// checkPython verifies that --python is one the project and the lock were made for.
func (t *translation) checkPython() error {
	v, _ := pep440.Parse(t.env.Vars["python_full_version"])
	if !anyMatch(t.proj.RequiresPython, v) {
		return fmt.Errorf("%s: requires-python %s excludes python %s (%s)", t.pyIn.Name,
			pyproject.Dependency{Constraint: t.proj.RequiresPython}.ConstraintString(), t.opts.Python, t.pythonFrom)
	}
	if t.lock != nil && !anyMatch(t.lock.RequiresPython, v) {
		return fmt.Errorf("%s: requires-python %s: the lock was not resolved for python %s (%s): lock the project for it",
			t.lock.File, pyproject.Dependency{Constraint: t.lock.RequiresPython}.ConstraintString(), t.opts.Python, t.pythonFrom)
	}
	return nil
}

func anyMatch(alts []pep440.Specifier, v pep440.Version) bool {
	if len(alts) == 0 {
		return true
	}
	for _, s := range alts {
		if s.Match(v, true) {
			return true
		}
	}
	return false
}

// find returns the locked package a dependency edge names.
func (t *translation) find(name, version, from string) (*lockfile.Package, error) {
	if t.byName == nil {
		t.byName = map[string][]*lockfile.Package{}
		for _, p := range t.lock.Packages {
			if p != t.root {
				t.byName[p.Name] = append(t.byName[p.Name], p)
			}
		}
	}
	var cands []*lockfile.Package
	for _, p := range t.byName[name] {
		if version == "" || p.Version == version {
			cands = append(cands, p)
		}
	}
	if len(cands) > 1 {
		// Several versions of one name come from a forked resolution; each records the
		// environments it is for.
		var fit []*lockfile.Package
		for _, p := range cands {
			for _, m := range p.ResolutionMarkers {
				if ok, err := pep508.EvalMarker(m, t.env); err == nil && ok {
					fit = append(fit, p)
					break
				}
			}
		}
		cands = fit
	}
	switch len(cands) {
	case 0:
		return nil, fmt.Errorf("%s: package %s (needed by %s) is not in the lock: lock the project again", t.lock.File, name, from)
	case 1:
		return cands[0], nil
	}
	return nil, t.ambiguous(name, from, cands)
}

// checkDirect verifies that the lock pins a direct dependency at a version pyproject.toml allows.
func (t *translation) checkDirect(d pyproject.Dependency, p *lockfile.Package) error {
	if d.Direct || len(d.Constraint) == 0 || p.Version == "" {
		return nil
	}
	v, err := pep440.Parse(p.Version)
	if err != nil {
		return fmt.Errorf("%s: package %s: version: %w", t.lock.File, p.Name, err)
	}
	if !anyMatch(d.Constraint, v) {
		return fmt.Errorf("%s: package %s: version %s does not satisfy %s from %s: lock the project again",
			t.lock.File, p.Name, p.Version, d.ConstraintString(), t.pyIn.Name)
	}
	return nil
}

// resolveGraph walks the lock's dependency graph from the direct dependencies, adding each
// package's edges again whenever a newly requested extra of it adds more.
func (t *translation) resolveGraph() error {
	t.nodes = map[string]*node{}
	type visit struct {
		pkg    *lockfile.Package
		extras []string
	}
	var queue []visit
	for _, d := range t.direct {
		p, err := t.find(d.Name, t.pins[d.Name], t.pyIn.Name)
		if err != nil {
			return err
		}
		if err := t.checkDirect(d, p); err != nil {
			return err
		}
		queue = append(queue, visit{p, d.Extras})
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		n, seen := t.nodes[v.pkg.Name]
		if seen && n.pkg != v.pkg {
			return fmt.Errorf("%s: package %s: versions %s and %s are both needed for the target", t.lock.File, v.pkg.Name, n.pkg.Version, v.pkg.Version)
		}
		added := !seen
		if !seen {
			n = &node{pkg: v.pkg, extras: map[string]bool{}, deps: map[string]bool{}}
			t.nodes[v.pkg.Name] = n
		}
		for _, e := range v.extras {
			if !n.extras[e] {
				n.extras[e] = true
				added = true
			}
		}
		if !added {
			continue
		}
		edges := append([]lockfile.Dep(nil), v.pkg.Deps...)
		extras := make([]string, 0, len(n.extras))
		for e := range n.extras {
			if err := v.pkg.BadExtras[e]; err != nil {
				return err
			}
			extras = append(extras, e)
			edges = append(edges, v.pkg.Optional[e]...)
		}
		sort.Strings(extras)
		env := t.env.WithExtras(append(extras, t.conflictExtras...)...)
		for _, e := range edges {
			ok, err := pep508.EvalMarker(e.Marker, env)
			if err != nil {
				return fmt.Errorf("%s: package %s: dependency %s: %w", t.lock.File, v.pkg.Name, e.Name, err)
			}
			if !ok || e.Name == t.proj.Name {
				// A dependency back on the project (a member's dev group) is the app itself.
				continue
			}
			dp, err := t.find(e.Name, e.Version, v.pkg.Name)
			if err != nil {
				return err
			}
			n.deps[dp.Name] = true
			queue = append(queue, visit{dp, e.Extras})
		}
	}
	return nil
}

// resolveFlat installs every package of a flat lock whose marker holds.
func (t *translation) resolveFlat() error {
	t.nodes = map[string]*node{}
	env := t.env
	env.Groups = pep508.SortedUnique(append(append([]string(nil), env.Groups...), t.lock.DefaultGroups...))
	for _, p := range t.lock.Packages {
		if p == t.root {
			continue
		}
		ok, err := pep508.EvalMarker(p.Marker, env)
		if err != nil {
			return fmt.Errorf("%s: package %s: marker: %w", t.lock.File, p.Name, err)
		}
		if !ok {
			continue
		}
		if prev, dup := t.nodes[p.Name]; dup {
			return fmt.Errorf("%s: package %s: versions %s and %s are both selected for the target", t.lock.File, p.Name, prev.pkg.Version, p.Version)
		}
		t.nodes[p.Name] = &node{pkg: p, extras: map[string]bool{}, deps: map[string]bool{}}
	}
	for _, n := range t.nodes {
		for _, d := range n.pkg.Deps {
			if _, ok := t.nodes[d.Name]; ok {
				n.deps[d.Name] = true
			}
		}
	}
	for _, d := range t.direct {
		n, ok := t.nodes[d.Name]
		if !ok {
			return fmt.Errorf("%s: package %s (needed by %s) is not in the lock: lock the project again", t.lock.File, d.Name, t.pyIn.Name)
		}
		if err := t.checkDirect(d, n.pkg); err != nil {
			return err
		}
	}
	return nil
}

// breakCycles drops the edges that close a cycle, found by a depth-first walk in name order,
// because Nix cannot build two packages that each take the other as an input.
func (t *translation) breakCycles() {
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var walk func(name string)
	walk = func(name string) {
		state[name] = active
		n := t.nodes[name]
		for _, d := range sortedKeys(n.deps) {
			switch state[d] {
			case active:
				delete(n.deps, d)
				n.cut = append(n.cut, d)
			case unvisited:
				walk(d)
			}
		}
		state[name] = done
	}
	for _, name := range sortedKeys(t.nodes) {
		if state[name] == unvisited {
			walk(name)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pickArtifacts chooses each package's artifact for the target and validates it.
func (t *translation) pickArtifacts() error {
	sel := wheeltags.NewSelector(t.target)
	for _, name := range sortedKeys(t.nodes) {
		n := t.nodes[name]
		p := n.pkg
		where := fmt.Sprintf("%s: package %s", t.lock.File, p.Name)
		if p.Version != "" {
			where += " " + p.Version
		}
		if p.Unsupported != "" {
			return fmt.Errorf("%s: source: %s", where, p.Unsupported)
		}
		if p.Invalid != "" {
			return fmt.Errorf("%s: %s", where, p.Invalid)
		}
		if p.IsLocal() {
			if err := t.readLocal(n); err != nil {
				return err
			}
			continue
		}
		if p.Git != nil {
			if err := validURL(p.Git.URL); err != nil {
				return fmt.Errorf("%s: source: git: %w", where, err)
			}
			n.backend = backendOf(p.Name)
			if p.Version == "" {
				return fmt.Errorf("%s: version: missing", where)
			}
			continue
		}
		files := make([]string, len(p.Wheels))
		for i, w := range p.Wheels {
			files[i] = w.Filename
		}
		field := ""
		if i := sel.Best(files); i >= 0 {
			n.artifact, n.wheel = p.Wheels[i], true
			field = fmt.Sprintf("wheel %s", p.Wheels[i].Filename)
		} else if p.Sdist != nil {
			n.artifact = *p.Sdist
			field = fmt.Sprintf("sdist %s", p.Sdist.Filename)
			n.backend = backendOf(p.Name)
		} else {
			return fmt.Errorf("%s: no artifact for the target: no wheel for cp%d%d on %s (%s) among %d, and no sdist",
				where, t.target.PythonMajor, t.target.PythonMinor, t.opts.System, t.libc, len(p.Wheels))
		}
		if n.artifact.SHA256 == "" {
			return fmt.Errorf("%s: %s: hash: missing (every artifact needs a sha256)", where, field)
		}
		n.artifact.URL = t.rewrite(n.artifact.URL)
		if err := validURL(n.artifact.URL); err != nil {
			return fmt.Errorf("%s: %s: url: %w", where, field, err)
		}
		if p.Version == "" {
			return fmt.Errorf("%s: version: missing", where)
		}
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
