package translate

import (
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/nixexpr"
	"github.com/nixpy/rules_nixpy/tools/wheeltags"
)

// Binary wheels: what nixpkgs documents for them (pkgs/development/interpreters/python/manylinux:
// "extend `buildInputs` with one of these manylinux lists ... add `autoPatchelfHook` to
// `nativeBuildInputs`"), and an import check so that a wheel whose extension modules cannot load
// fails its build instead of the container.

// wheelPlatforms are the platform tags of a wheel file name, none when it does not parse.
func wheelPlatforms(filename string) []string {
	f, err := wheeltags.ParseFilename(filename)
	if err != nil {
		return nil
	}
	var out []string
	for _, tag := range f.Tags {
		out = append(out, tag[strings.LastIndex(tag, "-")+1:])
	}
	return out
}

// artifactFilename is the wheel's file name: the lock's, else the URL's last segment unescaped.
func artifactFilename(filename, rawURL string) string {
	if filename != "" {
		return filename
	}
	p := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		p = u.Path
	}
	base := path.Base(p)
	if s, err := url.PathUnescape(base); err == nil {
		return s
	}
	return base
}

// manylinuxList names the pythonManylinuxPackages list for a Linux binary wheel, or "" for a
// wheel with no Linux platform tag (pure, macOS, Windows): nothing to patch. A wheel tagged for
// several policies links only what each of them allows, and nixpkgs' lists shrink as policies
// get newer (manylinux1 adds ncurses 5 and libcrypt to manylinux2010 = manylinux2014), so the
// newest policy's list is taken. PEP 600 tags manylinux_2_5 and manylinux_2_12 are manylinux1
// and manylinux2010; manylinux_2_17 and later take manylinux2014, and so do musllinux wheels
// (they need the same libstdc++, libgcc_s and zlib, beside the platform's libc) and plain
// linux_* wheels from other indexes (PyTorch's), which promise nothing narrower.
func manylinuxList(platforms []string) string {
	rank := 0 // 1 manylinux1, 2 manylinux2010, 3 manylinux2014
	for _, p := range platforms {
		r := 0
		switch {
		case strings.HasPrefix(p, "manylinux1_"):
			r = 1
		case strings.HasPrefix(p, "manylinux2010_"):
			r = 2
		case strings.HasPrefix(p, "manylinux2014_"), strings.HasPrefix(p, "musllinux_"), strings.HasPrefix(p, "linux_"):
			r = 3
		case strings.HasPrefix(p, "manylinux_"):
			r = pep600Rank(p)
		}
		rank = max(rank, r)
	}
	return [...]string{"", "manylinux1", "manylinux2010", "manylinux2014"}[rank]
}

// pep600Rank is the legacy policy of manylinux_GLIBCMAJOR_GLIBCMINOR_ARCH.
func pep600Rank(tag string) int {
	f := strings.SplitN(strings.TrimPrefix(tag, "manylinux_"), "_", 3)
	if len(f) < 3 {
		return 3
	}
	major, err1 := strconv.Atoi(f[0])
	minor, err2 := strconv.Atoi(f[1])
	switch {
	case err1 != nil || err2 != nil:
		return 3
	case major == 2 && minor < 12:
		return 1
	case major == 2 && minor < 17:
		return 2
	default:
		return 3
	}
}

// writeWheelNative adds, for a Linux binary wheel, autoPatchelfHook and the manylinux libraries
// of its tag, and dontStrip as nixpkgs does for prebuilt binaries. Pure wheels get nothing: their
// closure must not grow.
func writeWheelNative(w *nixexpr.Writer, n *node) {
	list := manylinuxList(wheelPlatforms(artifactFilename(n.artifact.Filename, n.artifact.URL)))
	if list == "" {
		return
	}
	w.Line("# A binary wheel: its extension modules link against the manylinux libraries, found by")
	w.Line("# autoPatchelfHook, which fails the build on one it cannot resolve.")
	w.Line("nativeBuildInputs = [ pkgs.autoPatchelfHook ];")
	w.Line("buildInputs = pkgs.pythonManylinuxPackages.%s;", list)
	w.Line("dontStrip = true;")
}

// writeWheelImportsCheck sets pythonImportsCheck for nixpkgs' pythonImportsCheckPhase.
//
// The lock names distributions, not modules, and a distribution's modules often have other names
// (pyyaml: yaml, pillow: PIL, beautifulsoup4: bs4): a table of exceptions would guess wrong for
// any package it lacks, failing a good build. So the names are read after install from the wheel's
// own RECORD (nixpy.importsFromRecord in helper.nix). Only real nixpkgs API: postInstall and
// pythonImportsCheck. Without a complete dependency graph (a flat lock, a cut cycle) an import can
// fail for a reason that is not the wheel's, so no check is set then.
func writeWheelImportsCheck(w *nixexpr.Writer, n *node, flat bool) {
	if flat || len(n.cut) > 0 {
		return
	}
	w.Line("postInstall = nixpy.importsFromRecord;")
}
