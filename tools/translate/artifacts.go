package translate

import (
	"fmt"
	"path"

	"github.com/nixpy/rules_nixpy/tools/lockfile"
)

// applyArtifacts gives the lock the files `nixpy resolve` found on an index (Options.Artifacts).
// Without them, a pin that names no file says how to resolve it, since a build has no network.
func (t *translation) applyArtifacts() error {
	in := t.opts.Artifacts
	switch {
	case in == nil && t.lock != nil:
		for _, p := range t.lock.Packages {
			if p.Unsupported != "" && len(p.Hashes) > 0 {
				p.Unsupported += ": " + resolveAdvice(t.lock.File)
			}
		}
		return nil
	case in == nil:
		return nil
	case t.lock == nil:
		return fmt.Errorf("%s: an artifacts file needs the lock file it resolves", in.Name)
	}
	r, err := lockfile.ParseResolved(in.Name, in.Data)
	if err != nil {
		return err
	}
	t.lock.ApplyResolved(r, in.Name)
	return nil
}

// resolveAdvice says how to resolve a lock's pins through an index, outside the build.
func resolveAdvice(lock string) string {
	pkg := path.Dir(lock)
	if pkg == "." {
		pkg = ""
	}
	return fmt.Sprintf("resolve its files through a package index with `nixpy resolve --lock %s` "+
		"(in Bazel: `bazel run //%s:resolve`, a nixpy_resolve target of this lock) and give the file it writes, %s, "+
		"to translate as --artifacts (py_nix_image's artifacts attribute)", lock, pkg, lockfile.ResolvedPath(lock))
}
