package buildcmd

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layerreport"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/ocimeta"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
	"github.com/nixpy/rules_nixpy/tools/stamp"
)

// imageFlags are the flags that describe an image, shared by nixpy image (everything in one process)
// and nixpy plan (its first step as a build action), so both read a command line alike.
type imageFlags struct {
	closureFile, top, topFile, base, created, storeDir *string
	workdir, user, system, project, projectFile        *string
	packagesFile, refName, pyproject                   *string
	maxLayers                                          *int
	binEntrypoint, pythonEnv, ociMetadata              *bool
	entrypoint, cmd                                    cli.ArgvFlag
	env, ports, symlinks, stamp                        cli.ListFlag
	labels, annotations                                cli.MapFlag
}

func addImageFlags(fs *flag.FlagSet) *imageFlags {
	f := &imageFlags{labels: cli.MapFlag{}, annotations: cli.MapFlag{}}
	f.closureFile = fs.String("closure", "", "`FILE` from nixpy closure (required)")
	f.top = fs.String("top", "", "the store path that goes alone into the top layer, usually the application (this or --top-file required)")
	f.topFile = fs.String("top-file", "", "read --top from `FILE`, such as nixpy_nix_build's out_path")
	f.maxLayers = fs.Int("max-layers", ociimage.DefaultMaxLayers, "at most this many layers, a --base image's included (at least 2)")
	f.system = fs.String("system", "", "the Nix system the closure is built for, e.g. aarch64-linux: the image's os and architecture (default: this machine's)")
	fs.Var(&f.entrypoint, "entrypoint", "entrypoint argument; repeat for more, or give a JSON array")
	f.binEntrypoint = fs.Bool("bin-entrypoint", false, "without --entrypoint, run the program in the top path's bin/: the only one, or of several the --project's main script (an error when it has none, or several and no --project)")
	f.project = fs.String("project", "", "the Python project the top path is the application of, whose main script --bin-entrypoint picks among several")
	f.projectFile = fs.String("project-file", "", "read --project from `FILE`, such as py_nix_translate's project_name")
	f.pythonEnv = fs.Bool("python-env", false, "the top path is a Python environment (python.withPackages): without --entrypoint, run its python through a launcher that runs a command given first (IMAGE python -c ..., IMAGE flask run) and python otherwise (IMAGE -m module); PATH starts with its bin/ unless --env sets PATH")
	fs.Var(&f.cmd, "cmd", "cmd argument; repeat for more, or give a JSON array")
	fs.Var(&f.env, "env", "KEY=VALUE environment variable; repeatable")
	f.workdir = fs.String("workdir", "", "working directory")
	f.user = fs.String("user", "", "USER or USER:GROUP (names or ids) to run as; /etc/passwd and /etc/group get the account")
	fs.Var(&f.ports, "port", "exposed PORT or PORT/PROTOCOL; repeatable")
	fs.Var(f.labels, "label", "KEY=VALUE config label; repeatable")
	fs.Var(f.annotations, "annotation", "KEY=VALUE manifest annotation; repeatable")
	fs.Var(&f.symlinks, "symlink", "PATH=TARGET symlink in the root layer (in the top layer when TARGET is in the top path), e.g. /bin={app}/bin; repeatable")
	f.packagesFile = fs.String("packages", "", "`FILE` from nixpy nix-build --packages-out: extra packages, in the closure, whose programs the root layer links into /bin (on PATH) and whose CA bundle and time zones it links at their conventional places")
	f.refName = fs.String("ref-name", "", "name the image in index.json (org.opencontainers.image.ref.name), e.g. app or app:1.0, for skopeo's oci:DIR:NAME and umoci's --image DIR:NAME; the digest does not change")
	addStampFlag(fs, &f.stamp)
	f.ociMetadata = fs.Bool("oci-metadata", false, "add the org.opencontainers.image.* values (title, description, version, licenses, url, source; with --stamp revision, created and a remote's source) from --pyproject and the workspace status as config labels and manifest annotations, under the keys --label and --annotation leave unset")
	f.pyproject = fs.String("pyproject", "", "the project's pyproject.toml `FILE`, which --oci-metadata reads")
	f.base = fs.String("base", "", "OCI image layout to build on (default: an empty image)")
	f.created = fs.String("created", "", "creation time and file mtime: RFC 3339 or Unix seconds (default: SOURCE_DATE_EPOCH, else the epoch)")
	f.storeDir = fs.String("store-dir", "", "read store paths from this directory (default: the closure's store directory)")
	return f
}

// options reads the closure and the files the flags name and returns the image's options, with {app}
// replaced by the top path and, with --stamp, each {KEY} by its workspace status value (a {KEY} without one
// is then an error; without --stamp it stays as written: package stamp's rule).
func (f *imageFlags) options() (ociimage.Options, error) {
	top := *f.top
	if *f.topFile != "" {
		data, err := os.ReadFile(*f.topFile)
		if err != nil {
			return ociimage.Options{}, fmt.Errorf("--top-file: %w", err)
		}
		top = strings.TrimSpace(string(data))
	}
	project := *f.project
	if *f.projectFile != "" {
		data, err := os.ReadFile(*f.projectFile)
		if err != nil {
			return ociimage.Options{}, fmt.Errorf("--project-file: %w", err)
		}
		project = strings.TrimSpace(string(data))
	}
	when, err := creationTime(*f.created, os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return ociimage.Options{}, err
	}
	c, err := closure.Read(*f.closureFile)
	if err != nil {
		return ociimage.Options{}, err
	}
	links := make([]ociimage.Symlink, len(f.symlinks))
	for i, s := range f.symlinks {
		p, target, ok := strings.Cut(s, "=")
		if !ok {
			return ociimage.Options{}, fmt.Errorf("--symlink %q: want PATH=TARGET", s)
		}
		links[i] = ociimage.Symlink{Path: p, Target: target}
	}
	var pkgs []ociimage.Package
	if *f.packagesFile != "" {
		if err := ociimage.ReadJSON(*f.packagesFile, &pkgs); err != nil {
			return ociimage.Options{}, fmt.Errorf("--packages: %w", err)
		}
		for _, p := range pkgs {
			if _, ok := c.Lookup(p.Path); !ok {
				return ociimage.Options{}, fmt.Errorf("--packages: package %s (%s) is not in the closure %s", p.Attr, p.Path, *f.closureFile)
			}
		}
	}
	x, err := stampExpander(f.stamp)
	if err != nil {
		return ociimage.Options{}, err
	}
	x.Vars["app"] = top
	opts := ociimage.Options{
		Closure:       c,
		Top:           top,
		DiskDir:       *f.storeDir,
		MaxLayers:     *f.maxLayers,
		System:        *f.system,
		Entrypoint:    f.entrypoint.Value(),
		BinEntrypoint: *f.binEntrypoint,
		Project:       project,
		PythonEnv:     *f.pythonEnv,
		Cmd:           f.cmd.Value(),
		Env:           f.env,
		WorkDir:       *f.workdir,
		User:          *f.user,
		Ports:         f.ports,
		Labels:        f.labels,
		Annotations:   f.annotations,
		Symlinks:      links,
		Packages:      pkgs,
		RefName:       *f.refName,
		Base:          *f.base,
		Created:       when,
	}
	if err := opts.Expand(x); err != nil {
		return ociimage.Options{}, err
	}
	// Derived after the expansion: a description holding braces is text, not a placeholder.
	if *f.ociMetadata {
		derived, err := f.metadata(x)
		if err != nil {
			return ociimage.Options{}, err
		}
		opts.Labels, opts.Annotations = ocimeta.Merge(derived, opts.Labels, opts.Annotations)
	}
	return opts, nil
}

// metadata is what --oci-metadata derives: pyproject's values, then the workspace status's of a stamped build.
func (f *imageFlags) metadata(x stamp.Expander) (map[string]string, error) {
	var project map[string]string
	if *f.pyproject != "" {
		data, err := os.ReadFile(*f.pyproject)
		if err != nil {
			return nil, fmt.Errorf("--pyproject: %w", err)
		}
		m, err := pyproject.ParseMetadata(*f.pyproject, data)
		if err != nil {
			return nil, fmt.Errorf("--pyproject: %w", err)
		}
		project = ocimeta.FromProject(m)
	}
	if !x.Stamped {
		return project, nil
	}
	status, err := ocimeta.FromStatus(x.Vars)
	if err != nil {
		return nil, fmt.Errorf("--stamp: %w", err)
	}
	return ocimeta.Combine(project, status), nil
}

// missing names the required flags not given, for the usage error.
func (f *imageFlags) missing() bool {
	return *f.closureFile == "" || (*f.top == "") == (*f.topFile == "")
}

func runImage(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("image", "--closure closure.json --top STOREPATH --out DIR [flags]", stderr)
	f := addImageFlags(fs)
	out := fs.String("out", "", "write the OCI image layout to this directory (required; replaced atomically)")
	dockerArchive := fs.String("docker-archive", "", "also write a docker load tarball to `FILE`")
	explain := fs.Bool("explain", false, "print the layer plan: each layer, its paths, sizes and why it sits where it does")
	explainJSON := fs.String("explain-json", "", "also write the layer plan as JSON to `FILE`: each layer's digest, size, store paths with their sizes and why it sits where it does")
	jobs := fs.Int("jobs", 0, "layers compressed at once (default: one per CPU)")
	rest, err := cli.ParseFlags(fs, args)
	if err != nil {
		return cli.HelpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return cli.UsageError(fs, "unexpected arguments %q", rest)
	case f.missing() || *out == "":
		return cli.UsageError(fs, "--closure, --top (or --top-file) and --out are required")
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	opts.Realise = realiser(*f.storeDir, stderr)
	opts.Jobs = *jobs
	res, err := ociimage.Build(opts, *out, *dockerArchive)
	if err != nil {
		return err
	}
	if *explain {
		if err := explainPlan(stdout, res.Plan, res.RootLayer); err != nil {
			return err
		}
	}
	if *explainJSON != "" {
		report := layerreport.FromPlan(res.Plan, res.RootLayer)
		if err := completeReport(report, *out, *out); err != nil {
			return err
		}
		if err := writeReport(*explainJSON, report); err != nil {
			return fmt.Errorf("--explain-json: %w", err)
		}
	}
	fmt.Fprintf(stderr, "nixpy image: wrote %s: %d layers\n", *out, len(res.Layers))
	fmt.Fprintln(stdout, res.Digest)
	return nil
}

// creationTime reads --created, else SOURCE_DATE_EPOCH, else the epoch: never the clock, so builds repeat.
func creationTime(flagValue, sourceDateEpoch string) (time.Time, error) {
	v, what := flagValue, "--created"
	if v == "" {
		v, what = sourceDateEpoch, "SOURCE_DATE_EPOCH"
	}
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want Unix seconds or an RFC 3339 time", what, v)
	}
	return t.UTC(), nil
}
