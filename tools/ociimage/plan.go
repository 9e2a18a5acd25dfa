package ociimage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layering"
	"github.com/nixpy/rules_nixpy/tools/layertar"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

// LayerSpec is everything that decides one layer's bytes and nothing else: the store paths with
// their narHashes, the extra entries and the mtime. A build system that keys a layer's action on the
// spec's bytes therefore reuses the layer exactly when its content is unchanged. A spec with no paths
// and no entries is an unused layer slot.
type LayerSpec struct {
	StoreDir string           `json:"storeDir,omitempty"`
	Paths    []StorePath      `json:"paths,omitempty"`
	Extra    []layertar.Entry `json:"extra,omitempty"`
	// ModTime is every entry's mtime, in Unix seconds.
	ModTime int64 `json:"mtime,omitempty"`
}

// StorePath is a store path of a layer with the narHash that pins its content.
type StorePath struct {
	Path    string `json:"path"`
	NarHash string `json:"narHash"`
	// Deriver is the derivation that realises the path when the store lacks it.
	Deriver string `json:"deriver,omitempty"`
}

// Unused says the spec is an empty slot: no layer comes of it.
func (s LayerSpec) Unused() bool { return len(s.Paths) == 0 && len(s.Extra) == 0 }

// ImageConfig is what the plan decided about the image besides its layers: the config values, already
// expanded and checked, and one history comment per added layer, bottom first.
type ImageConfig struct {
	Created      time.Time         `json:"created"`
	OS           string            `json:"os"`
	Architecture string            `json:"architecture"`
	Variant      string            `json:"variant,omitempty"`
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"`
	WorkDir      string            `json:"workdir,omitempty"`
	User         string            `json:"user,omitempty"`
	Ports        []string          `json:"ports,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	History      []string          `json:"history"`
	// RefName names the image in the layout's index.json (org.opencontainers.image.ref.name), for tools that
	// pick an image of a layout by name (skopeo's oci:DIR:NAME, umoci's --image DIR:NAME); empty: none. The
	// manifest, and so the image's digest, does not change with it.
	RefName string `json:"refName,omitempty"`
	// KeepEntrypoint and KeepCmd tell an unset value (the base's stays) from an empty one.
	KeepEntrypoint bool `json:"keepEntrypoint,omitempty"`
	KeepCmd        bool `json:"keepCmd,omitempty"`
}

// Planned is an image decided but not written: its layers, bottom first, and its config.
type Planned struct {
	Layers []LayerSpec
	Config ImageConfig
	// Plan is the layering of the store paths, for --explain.
	Plan *layering.Plan
	// RootLayer is the index in Layers of the layer with /tmp and /etc, or -1 when it shares the top layer.
	RootLayer int
}

// Plan decides the image's layers and config from the closure, reading the store only to find
// /usr/bin/env, the CA bundle and the entrypoint; it writes nothing.
func Plan(opts Options) (*Planned, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ensureOnDisk(opts.Closure.Paths, opts.DiskDir, opts.Realise); err != nil {
		return nil, err
	}
	plat, err := Platform(opts.System)
	if err != nil {
		return nil, err
	}
	base, baseLayers, err := readBase(opts.Base, plat)
	if err != nil {
		return nil, err
	}
	budget := opts.MaxLayers - baseLayers
	if budget < 2 {
		return nil, fmt.Errorf("--base %s has %d layers: --max-layers %d leaves fewer than 2 for the closure", opts.Base, baseLayers, opts.MaxLayers)
	}
	cfg, err := imageConfig(base, opts)
	if err != nil {
		return nil, err
	}
	// A symlink into the top path (such as /bin = {app}/bin) changes with every build of it: it goes into
	// the top layer, which changes anyway, so the root layer stays shared between builds.
	var rootLinks, topLinks []Symlink
	for _, l := range opts.Symlinks {
		if l.Target == opts.Top || strings.HasPrefix(l.Target, opts.Top+"/") {
			topLinks = append(topLinks, l)
		} else {
			rootLinks = append(rootLinks, l)
		}
	}
	root, caFile, err := rootEntries(opts.Closure, opts.DiskDir, opts.User, opts.Base == "" || opts.User != "", rootLinks)
	if err != nil {
		return nil, err
	}
	pkgRoot, err := packageEntries(opts.Packages, opts.DiskDir, func(p string) bool {
		for _, l := range opts.Symlinks {
			if p == l.Path || strings.HasPrefix(p, strings.TrimSuffix(l.Path, "/")+"/") {
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	root = append(root, pkgRoot.entries...)
	// The packages' environment (PATH, TZDIR) unless the user's --env or the base image sets the variable.
	baseEnv, err := baseEnvironment(base)
	if err != nil {
		return nil, err
	}
	var pkgEnv []string
	for _, kv := range pkgRoot.env {
		k, _, _ := strings.Cut(kv, "=")
		if !hasKey(cfg.Env, k) && !hasKey(baseEnv, k) {
			pkgEnv = append(pkgEnv, kv)
		}
	}
	cfg.Env = append(pkgEnv, cfg.Env...)
	topExtra, err := symlinkEntries(topLinks)
	if err != nil {
		return nil, err
	}
	if caFile != "" {
		cfg.Env = append([]string{"SSL_CERT_FILE=" + caFile}, cfg.Env...)
	}
	if opts.Base != "" {
		links := opts.BaseLinks
		if links == nil {
			if links, err = baseSymlinks(base); err != nil {
				return nil, fmt.Errorf("--base %s: %w", opts.Base, err)
			}
		}
		if root, err = throughBase(root, links); err != nil {
			return nil, fmt.Errorf("--base %s: %w", opts.Base, err)
		}
		if topExtra, err = throughBase(topExtra, links); err != nil {
			return nil, fmt.Errorf("--base %s: %w", opts.Base, err)
		}
	}
	// Check the config now, so a bad --env or --port fails before any layer is built.
	if err := configure(&v1.Config{}, cfg); err != nil {
		return nil, err
	}
	// The root layer gets its own layer when the budget allows, so the store layers below it stay
	// identical whatever the user, symlinks or CA bundle; otherwise it joins the volatile top layer.
	ownRoot := budget >= 3 && len(opts.Closure.Paths) > 1
	storeBudget := budget - 1
	if ownRoot {
		storeBudget--
	}
	pkgPaths := make([]string, len(opts.Packages))
	for i, pkg := range opts.Packages {
		pkgPaths[i] = pkg.Path
	}
	plan, err := layering.NewWithPackages(opts.Closure, opts.Top, storeBudget, pkgPaths)
	if err != nil {
		return nil, err
	}
	p := &Planned{Config: cfg, Plan: plan, RootLayer: -1}
	infos := make(map[string]closure.Path, len(opts.Closure.Paths))
	for _, c := range opts.Closure.Paths {
		infos[c.Path] = c
	}
	storeDir := opts.Closure.StoreDir()
	mtime := opts.Created.Unix()
	for _, l := range plan.Layers {
		spec := LayerSpec{StoreDir: storeDir, ModTime: mtime}
		for _, path := range l.Paths() {
			info := infos[path]
			if info.NarHash == "" {
				return nil, fmt.Errorf("no narHash for %s in the closure", path)
			}
			spec.Paths = append(spec.Paths, StorePath{Path: path, NarHash: info.NarHash, Deriver: info.Deriver})
		}
		if l.Top {
			spec.Extra = topExtra
			if ownRoot {
				p.RootLayer = len(p.Layers)
				p.Layers = append(p.Layers, LayerSpec{StoreDir: storeDir, Extra: root, ModTime: mtime})
				p.Config.History = append(p.Config.History, rootHistory(opts.Packages))
			} else {
				spec.Extra = append(root, topExtra...)
			}
		}
		p.Layers = append(p.Layers, spec)
		p.Config.History = append(p.Config.History, fmt.Sprintf("%d store paths, %s: %s", len(l.Entries), layering.HumanSize(l.Size), l.Reason))
	}
	return p, nil
}

// baseEnvironment is the base image's Env.
func baseEnvironment(base v1.Image) ([]string, error) {
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, err
	}
	return cf.Config.Env, nil
}

// hasKey says whether env sets the variable k.
func hasKey(env []string, k string) bool {
	for _, kv := range env {
		if ek, _, _ := strings.Cut(kv, "="); ek == k {
			return true
		}
	}
	return false
}

// imageConfig turns the options into the config the plan records, the platform from the Nix system.
func imageConfig(base v1.Image, opts Options) (ImageConfig, error) {
	plat, err := Platform(opts.System)
	if err != nil {
		return ImageConfig{}, err
	}
	baseCfg, err := base.ConfigFile()
	if err != nil {
		return ImageConfig{}, fmt.Errorf("--base %s: %w", opts.Base, err)
	}
	if baseCfg.OS != "" && (baseCfg.OS != plat.OS || baseCfg.Architecture != plat.Architecture) {
		return ImageConfig{}, fmt.Errorf("--base %s is for %s/%s, the closure is built for %s (%s/%s)",
			opts.Base, baseCfg.OS, baseCfg.Architecture, opts.System, plat.OS, plat.Architecture)
	}
	if opts.RefName != "" && !refNameRE.MatchString(opts.RefName) {
		return ImageConfig{}, fmt.Errorf("--ref-name %q: want a name of the OCI image layout's grammar: components of letters and digits joined by one of - . _ : @ + (or --), separated by /, e.g. app or app_x:1.0", opts.RefName)
	}
	entrypoint := opts.Entrypoint
	env := opts.Env
	if opts.PythonEnv {
		if entrypoint == nil {
			entrypoint = []string{opts.Top + "/bin/python", "-c", EnvLauncher}
		}
		if !hasKey(env, "PATH") {
			env = append([]string{"PATH=" + opts.Top + "/bin:/bin:/usr/bin"}, env...)
		}
	}
	if entrypoint == nil && opts.BinEntrypoint {
		prog, err := BinProgram(opts.DiskDir, opts.Top, opts.Project)
		if err != nil {
			return ImageConfig{}, err
		}
		entrypoint = []string{prog}
	}
	return ImageConfig{
		Created:        opts.Created.UTC(),
		OS:             plat.OS,
		Architecture:   plat.Architecture,
		Variant:        plat.Variant,
		Entrypoint:     entrypoint,
		KeepEntrypoint: entrypoint == nil,
		Cmd:            opts.Cmd,
		KeepCmd:        opts.Cmd == nil,
		Env:            env,
		WorkDir:        opts.WorkDir,
		User:           opts.User,
		Ports:          opts.Ports,
		Labels:         opts.Labels,
		Annotations:    opts.Annotations,
		RefName:        opts.RefName,
	}, nil
}

// EnvLauncher is the Python program a Python environment's image starts with (python -c EnvLauncher ARGS...):
// it runs ARGS as a command when the first is one (docker run IMAGE python -c ..., IMAGE flask run, a script of
// the environment's bin/) and the environment's python otherwise (IMAGE -m module, IMAGE script.py, IMAGE
// alone for a REPL), as the official Python images' entrypoints do, replacing itself (exec) so the command is
// the container's process.
const EnvLauncher = `import os, sys
args = sys.argv[1:]
if not args or args[0].startswith("-") or args[0].endswith(".py"):
    args = [sys.executable] + args
os.execvp(args[0], args)
`

// BinProgram returns the program of the top path's bin/ an image runs: the only one, or, of a Python
// project's several console scripts, the one pyproject.MainScript picks, as meta.mainProgram and Gazelle
// do. Without a project, several programs are an error asking for an entrypoint.
func BinProgram(diskDir, top, project string) (string, error) {
	dir := filepath.Join(diskDir, filepath.Base(top), "bin")
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("looking for the entrypoint: %w", err)
	}
	var progs []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// Stat follows symlinks: a wrapper linking to a program elsewhere counts.
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		if err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			progs = append(progs, e.Name())
		}
	}
	switch {
	case len(progs) == 1:
		return top + "/bin/" + progs[0], nil
	case len(progs) > 1 && project != "":
		return top + "/bin/" + pyproject.MainScript(project, progs), nil
	case len(progs) == 0:
		return "", fmt.Errorf("%s/bin has no program to run: set entrypoint", top)
	default:
		return "", fmt.Errorf("%s/bin has several programs (%s): set entrypoint, e.g. [\"{app}/bin/%s\"]", top, strings.Join(progs, " "), progs[0])
	}
}

// WriteJSON writes v as JSON to file, replacing it atomically, so a failed action leaves no half file.
func WriteJSON(file string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return renameio.WriteFile(file, append(data, '\n'), 0o644)
}

// ReadJSON reads a file WriteJSON wrote.
func ReadJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// rootHistory is the root layer's history comment.
func rootHistory(pkgs []Package) string {
	if len(pkgs) == 0 {
		return "root: /tmp, /etc/passwd, /usr/bin/env, symlinks"
	}
	attrs := make([]string, len(pkgs))
	for i, p := range pkgs {
		attrs[i] = p.Attr
	}
	return "root: /tmp, /etc/passwd, /usr/bin/env, symlinks; /bin and conventional places of packages " + strings.Join(attrs, ", ")
}

// refNameRE is the grammar of org.opencontainers.image.ref.name in the OCI image layout specification
// (image-layout.md): components of alphanumerics joined by separators [-._:@+] or "--", separated by "/".
var refNameRE = regexp.MustCompile(`^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$`)
