package ci

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path"
	"strconv"
	"strings"
)

// Change is what differs between two commits, seen from a Bazel workspace inside a Git repository.
type Change struct {
	// Base and Head are the full commit names.
	Base, Head string
	// All is set when the base is unknown (empty or all zeros, as GitHub gives for a new branch):
	// every image counts as changed.
	All bool
	// Files are the changed paths relative to the workspace, both names of a rename, then the paths
	// that reach a changed file through a symlink in the head commit, since Bazel sees files there.
	Files []string
	// Deleted holds those of Files that are not in the head commit.
	Deleted map[string]bool
	// Packages are the workspace's directories holding a BUILD file in the head commit ("" for the root).
	Packages map[string]bool
}

// noCommit is how GitHub names the commit before a branch's first push.
var noCommit = strings.Repeat("0", 40)

// Diff reads the change between base and head in the Git repository holding dir, the workspace root.
func Diff(ctx context.Context, dir, base, head string) (*Change, error) {
	h, err := resolveCommit(ctx, dir, "--head", head)
	if err != nil {
		return nil, err
	}
	c := &Change{Head: h, Deleted: map[string]bool{}, Packages: map[string]bool{}}
	tree, err := listTree(ctx, dir, h)
	if err != nil {
		return nil, err
	}
	outside, err := notInWorkspace(ctx, dir, h, tree)
	if err != nil {
		return nil, err
	}
	for p := range tree.files {
		switch path.Base(p) {
		case "BUILD", "BUILD.bazel":
			if !outside(p) {
				c.Packages[dirOf(p)] = true
			}
		}
	}
	if base == "" || base == noCommit {
		c.All = true
		return c, nil
	}
	if c.Base, err = resolveCommit(ctx, dir, "--base", base); err != nil {
		return nil, err
	}
	// --relative keeps the paths under the workspace and makes them relative to it; --no-renames
	// lists a rename as a deletion and an addition, so both names count.
	out, err := git(ctx, dir, "diff", "--name-only", "--no-renames", "--relative", "-z", c.Base, c.Head)
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(strings.TrimSuffix(out, "\x00"), "\x00") {
		if p == "" {
			continue
		}
		c.Files = append(c.Files, p)
		if !tree.files[p] {
			c.Deleted[p] = true
		}
	}
	c.Files = append(c.Files, throughSymlinks(c.Files, tree.links)...)
	return c, nil
}

// notInWorkspace tells the paths Bazel does not see as part of the workspace: those under a directory
// .bazelignore names, and those of a nested workspace (a directory with its own MODULE.bazel, REPO.bazel or
// WORKSPACE file). Their BUILD files make no packages of this workspace, and a query naming one would fail.
func notInWorkspace(ctx context.Context, dir, commit string, t *tree) (func(string) bool, error) {
	var roots []string
	if t.files[".bazelignore"] {
		// "./" makes the path relative to the workspace, not to the repository's top.
		text, err := git(ctx, dir, "show", commit+":./.bazelignore")
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(text, "\n") {
			if line = strings.Trim(strings.TrimSpace(line), "/"); line != "" && !strings.HasPrefix(line, "#") {
				roots = append(roots, path.Clean(line))
			}
		}
	}
	for p := range t.files {
		switch path.Base(p) {
		case "MODULE.bazel", "REPO.bazel", "WORKSPACE", "WORKSPACE.bazel":
			if d := dirOf(p); d != "" {
				roots = append(roots, d)
			}
		}
	}
	return func(p string) bool {
		for _, r := range roots {
			if p == r || strings.HasPrefix(p, r+"/") {
				return true
			}
		}
		return false
	}, nil
}

// throughSymlinks returns the paths by which the changed files are also reached through symlinked
// files or directories, following chains of links.
func throughSymlinks(changed []string, links map[string]string) []string {
	seen := map[string]bool{}
	for _, p := range changed {
		seen[p] = true
	}
	var found []string
	queue := append([]string{}, changed...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for link, target := range links {
			var alias string
			switch {
			case p == target:
				alias = link
			case strings.HasPrefix(p, target+"/"):
				alias = link + p[len(target):]
			default:
				continue
			}
			if !seen[alias] {
				seen[alias] = true
				found = append(found, alias)
				queue = append(queue, alias)
			}
		}
	}
	return found
}

func resolveCommit(ctx context.Context, dir, flag, rev string) (string, error) {
	if rev == "" {
		return "", fmt.Errorf("%s: no commit given", flag)
	}
	out, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%s %s: not a commit of the repository at %s (a shallow clone lacks it: fetch with depth 0): %w", flag, rev, dir, err)
	}
	return strings.TrimSpace(out), nil
}

// tree is the head commit's file list under the workspace: regular files, and symlinks with the
// workspace-relative path they point at.
type tree struct {
	files map[string]bool
	links map[string]string
}

func listTree(ctx context.Context, dir, commit string) (*tree, error) {
	// Without --full-tree, ls-tree lists the current directory (the workspace) with paths relative to it.
	out, err := git(ctx, dir, "ls-tree", "-r", "-z", commit)
	if err != nil {
		return nil, err
	}
	t := &tree{files: map[string]bool{}, links: map[string]string{}}
	linkObjects := map[string][]string{}
	for _, entry := range strings.Split(strings.TrimSuffix(out, "\x00"), "\x00") {
		meta, p, ok := strings.Cut(entry, "\t")
		if !ok {
			continue
		}
		fields := strings.Fields(meta)
		if len(fields) != 3 || fields[1] != "blob" {
			continue // submodules are not part of this workspace's inputs
		}
		t.files[p] = true
		if fields[0] == "120000" {
			linkObjects[fields[2]] = append(linkObjects[fields[2]], p)
		}
	}
	if len(linkObjects) == 0 {
		return t, nil
	}
	targets, err := readBlobs(ctx, dir, linkObjects)
	if err != nil {
		return nil, err
	}
	for object, paths := range linkObjects {
		for _, p := range paths {
			target := targets[object]
			if strings.HasPrefix(target, "/") {
				continue // outside the repository: Git does not track what it points at
			}
			resolved := path.Join(dirOf(p), target)
			if resolved == ".." || strings.HasPrefix(resolved, "../") {
				continue // outside the workspace
			}
			t.links[p] = resolved
		}
	}
	return t, nil
}

// readBlobs reads the given blobs (symlink targets, which are small) with one git cat-file.
func readBlobs(ctx context.Context, dir string, objects map[string][]string) (map[string]string, error) {
	var in bytes.Buffer
	for object := range objects {
		fmt.Fprintln(&in, object)
	}
	out, err := gitWithInput(ctx, dir, &in, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	blobs := map[string]string{}
	r := bufio.NewReader(strings.NewReader(out))
	for {
		header, err := r.ReadString('\n')
		if err == io.EOF {
			return blobs, nil
		} else if err != nil {
			return nil, fmt.Errorf("git cat-file --batch: %w", err)
		}
		fields := strings.Fields(header)
		if len(fields) != 3 {
			return nil, fmt.Errorf("git cat-file --batch: unexpected header %q", header)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file --batch: unexpected header %q", header)
		}
		body := make([]byte, size+1) // the blob and its trailing newline
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, fmt.Errorf("git cat-file --batch: %w", err)
		}
		blobs[fields[0]] = string(body[:size])
	}
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	return gitWithInput(ctx, dir, nil, args...)
}

func gitWithInput(ctx context.Context, dir string, stdin io.Reader, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// dirOf is path.Dir with "" for the top: package names have no ".".
func dirOf(p string) string {
	if d := path.Dir(p); d != "." {
		return d
	}
	return ""
}
