package nixstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/closure"
)

// Missing returns the paths that are not under diskDir (the store directory, or where a test keeps
// its store paths).
func Missing(paths []closure.Path, diskDir string) []closure.Path {
	var missing []closure.Path
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(diskDir, filepath.Base(p.Path))); err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

// Realise makes missing store paths valid again through the Nix daemon: a path whose derivation is
// still in the store is realised from it (Nix substitutes the output when a substituter has it and
// builds it otherwise); any other path is substituted. Afterwards each path's narHash must be the
// one recorded, so a step never reads content other than what was planned: a derivation that builds
// differently a second time fails here, naming the path.
func (t Tools) Realise(ctx context.Context, paths []closure.Path, log io.Writer) error {
	if len(paths) == 0 {
		return nil
	}
	var targets, names []string
	seen := map[string]bool{}
	built := 0
	for _, p := range paths {
		names = append(names, p.Path)
		target := p.Path
		if p.Deriver != "" {
			if _, err := os.Stat(p.Deriver); err == nil {
				target = p.Deriver
			}
		}
		if seen[target] {
			continue
		}
		seen[target] = true
		targets = append(targets, target)
		if target != p.Path {
			built++
		}
	}
	fmt.Fprintf(logTo(log), "nixpy: realising %d store paths missing from the Nix store (%d from their derivations, %d from substituters)\n",
		len(paths), built, len(targets)-built)
	if _, err := t.run(ctx, "nix-store", append([]string{"--realise"}, targets...)...); err != nil {
		return fmt.Errorf("store paths missing from this machine's Nix store could not be realised: %s.\n"+
			"They were garbage-collected, or the step's inputs came from a cache another machine filled; "+
			"their derivations are gone too and no substituter has them. Let the Nix daemon substitute them "+
			"from a binary cache (substituters in nix.conf, see docs/ci.md) or build them again: "+
			"bazel build --modify_execution_info=NixBuild=+no-cache ...\n%w", strings.Join(names, ", "), err)
	}
	nix, err := t.Path("nix")
	if err != nil {
		return err
	}
	got, err := closure.Query(ctx, nix, t.Environ(), names)
	if err != nil {
		return fmt.Errorf("reading the realised paths: %w", err)
	}
	for _, p := range paths {
		info, ok := got.Lookup(p.Path)
		if !ok {
			return fmt.Errorf("%s is still not in the Nix store after nix-store --realise", p.Path)
		}
		if p.NarHash != "" && info.NarHash != p.NarHash {
			return fmt.Errorf("%s was realised with narHash %s, not the %s it was planned with: its derivation "+
				"does not build reproducibly, so the image cannot be rebuilt byte for byte; build it again "+
				"with bazel build --modify_execution_info=NixBuild=+no-cache ...", p.Path, info.NarHash, p.NarHash)
		}
	}
	return nil
}

// AddRoot makes link a symlink to path and, when the store holds path, an indirect GC root of it (as
// `nix-build --out-link` does): Nix keeps path while link exists. A path the store lacks gets the link
// alone: nothing here needs it, so nothing is realised for it. It says whether the link is a root.
func (t Tools) AddRoot(ctx context.Context, path, link string) (bool, error) {
	if _, err := os.Lstat(path); err != nil {
		if err := os.Symlink(path, link); err != nil {
			return false, fmt.Errorf("linking %s: %w", link, err)
		}
		return false, nil
	}
	// --indirect is what Nix before 2.4 needs for a root outside its gcroots directory; later ones accept it.
	if _, err := t.run(ctx, "nix-store", "--realise", path, "--add-root", link, "--indirect"); err != nil {
		return false, err
	}
	return true, nil
}
