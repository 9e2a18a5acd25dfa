package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

func runImage(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("image", "--closure closure.json --top STOREPATH --out DIR [flags]", stderr)
	closureFile := fs.String("closure", "", "`FILE` from nixpy closure (required)")
	top := fs.String("top", "", "the store path that goes alone into the top layer, usually the application (required)")
	out := fs.String("out", "", "write the OCI image layout to this directory (required; replaced atomically)")
	maxLayers := fs.Int("max-layers", ociimage.DefaultMaxLayers, "at most this many layers, a --base image's included (at least 2)")
	var entrypoint, cmd argvFlag
	fs.Var(&entrypoint, "entrypoint", "entrypoint argument; repeat for more, or give a JSON array")
	fs.Var(&cmd, "cmd", "cmd argument; repeat for more, or give a JSON array")
	var env, ports listFlag
	fs.Var(&env, "env", "KEY=VALUE environment variable; repeatable")
	workdir := fs.String("workdir", "", "working directory")
	user := fs.String("user", "", "USER or USER:GROUP (names or ids) to run as; /etc/passwd and /etc/group get the account")
	fs.Var(&ports, "port", "exposed PORT or PORT/PROTOCOL; repeatable")
	labels, annotations := mapFlag{}, mapFlag{}
	fs.Var(labels, "label", "KEY=VALUE config label; repeatable")
	fs.Var(annotations, "annotation", "KEY=VALUE manifest annotation; repeatable")
	var symlinks listFlag
	fs.Var(&symlinks, "symlink", "PATH=TARGET symlink in the root layer, e.g. /bin=/nix/store/...-env/bin; repeatable")
	base := fs.String("base", "", "OCI image layout to build on (default: an empty image)")
	created := fs.String("created", "", "creation time and file mtime: RFC 3339 or Unix seconds (default: SOURCE_DATE_EPOCH, else the epoch)")
	cacheDir := fs.String("cache", os.Getenv("NIXPY_LAYER_CACHE"), "keep layers in this directory so unchanged layers are not built again (default: $NIXPY_LAYER_CACHE)")
	dockerArchive := fs.String("docker-archive", "", "also write a docker load tarball to `FILE`")
	explain := fs.Bool("explain", false, "print the layer plan: each layer, its paths, sizes and why it sits where it does")
	storeDir := fs.String("store-dir", "", "read store paths from this directory (default: the closure's store directory)")
	jobs := fs.Int("jobs", 0, "layers compressed at once (default: one per CPU)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return helpIsSuccess(err)
	}
	switch {
	case len(rest) > 0:
		return usageError(fs, "unexpected arguments %q", rest)
	case *closureFile == "" || *top == "" || *out == "":
		return usageError(fs, "--closure, --top and --out are required")
	}
	when, err := creationTime(*created, os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}
	c, err := closure.Read(*closureFile)
	if err != nil {
		return err
	}
	links := make([]ociimage.Symlink, len(symlinks))
	for i, s := range symlinks {
		p, target, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("--symlink %q: want PATH=TARGET", s)
		}
		links[i] = ociimage.Symlink{Path: p, Target: target}
	}
	res, err := ociimage.Build(ociimage.Options{
		Closure:     c,
		Top:         *top,
		DiskDir:     *storeDir,
		MaxLayers:   *maxLayers,
		Entrypoint:  entrypoint.value(),
		Cmd:         cmd.value(),
		Env:         env,
		WorkDir:     *workdir,
		User:        *user,
		Ports:       ports,
		Labels:      labels,
		Annotations: annotations,
		Symlinks:    links,
		Base:        *base,
		Created:     when,
		CacheDir:    *cacheDir,
		Jobs:        *jobs,
	}, *out, *dockerArchive)
	if err != nil {
		return err
	}
	if *explain {
		if err := res.Plan.Explain(stdout); err != nil {
			return err
		}
		if res.RootLayer >= 0 {
			fmt.Fprintf(stdout, "root layer (layer %d): /tmp, /etc/passwd, /etc/group, /usr/bin/env and --symlink entries, below the top so the store layers stay shared\n", res.RootLayer+1)
		} else {
			fmt.Fprintln(stdout, "root entries (/tmp, /etc/passwd, ...) share the top layer: --max-layers leaves no room for their own")
		}
	}
	fmt.Fprintf(stderr, "nixpy image: wrote %s: %d layers, %d from the cache\n", *out, len(res.Layers), res.Hits())
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
