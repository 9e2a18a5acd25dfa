// Package ci is the CI entry point: given two commits, it finds the image push targets whose inputs
// changed (Bazel query over the changed files, reverse dependencies limited to nixpy_push targets),
// builds them, pushes each with the head commit as a stamped tag, and reports what it did. Unchanged
// images are neither built nor pushed.
package ci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/nixpy/rules_nixpy/tools/registry"
)

// pushKind matches nixpy_push targets in `bazel query`'s kind(): the rule class, then " rule".
const pushKind = `"^nixpy_push rule$"`

// Options are one CI run.
type Options struct {
	// Base and Head are the commits to compare; the head is what is built (the checkout).
	Base, Head string
	Bazel      *Bazel
	// DryRun lists what would be pushed, building and pushing nothing.
	DryRun bool
	// Jobs is how many pushes run at once; 0 means DefaultJobs.
	Jobs int
}

// DefaultJobs bounds concurrent pushes: enough to keep a registry busy while one push waits on
// another's round trips, few enough not to trip a registry's rate limits.
const DefaultJobs = 4

// Status says what happened to one image.
type Status string

const (
	Pushed     Status = "pushed"
	Skipped    Status = "skipped"
	WouldPush  Status = "would push"
	Failed     Status = "failed"
	NotReached Status = "not pushed"
)

// Image is one push target's outcome.
type Image struct {
	Target string `json:"target"`
	Status Status `json:"status"`
	// Digest and Reference are the pushed manifest's; empty unless pushed.
	Digest        string `json:"digest,omitempty"`
	Reference     string `json:"reference,omitempty"`
	UploadedBytes int64  `json:"uploaded_bytes"`
	TotalBytes    int64  `json:"total_bytes,omitempty"`
	BlobsUploaded int64  `json:"blobs_uploaded"`
	BlobsExisting int64  `json:"blobs_existing"`
	BlobsMounted  int64  `json:"blobs_mounted"`
	Error         string `json:"error,omitempty"`
}

// Result is a whole run: every push target of the workspace, changed or not.
type Result struct {
	Base   string  `json:"base"`
	Head   string  `json:"head"`
	Why    string  `json:"why_all,omitempty"`
	Images []Image `json:"images"`
}

// Run finds, builds and pushes the changed images. The result lists every push target even when
// an error stops the run part way, so what was pushed is still reported.
func Run(ctx context.Context, opts Options) (*Result, error) {
	b := opts.Bazel
	change, err := Diff(ctx, b.Workspace, opts.Base, opts.Head)
	if err != nil {
		return nil, err
	}
	res := &Result{Base: change.Base, Head: change.Head}
	pushes, err := b.QueryRules(ctx, "kind("+pushKind+", //...)")
	if err != nil {
		return nil, err
	}
	var all []string
	repositories := map[string]string{}
	for _, r := range pushes {
		all = append(all, r.Label)
		repositories[r.Label] = r.Attrs["repository"]
	}
	sort.Strings(all)
	tmp, err := os.MkdirTemp("", "nixpy-ci-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	flags, err := stampFlags(tmp, change.Head)
	if err != nil {
		return nil, err
	}
	in := change.Inputs()
	var changed []string
	if in.All {
		res.Why = in.Why
		changed = all
	} else if changed, err = affected(ctx, b, in, all, flags); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.Log, "nixpy ci: %s..%s: %d files changed; %d of %d images to push\n",
		short(change.Base), short(change.Head), len(change.Files), len(changed), len(all))
	isChanged := map[string]bool{}
	for _, t := range changed {
		isChanged[t] = true
	}
	for _, t := range all {
		img := Image{Target: t, Status: Skipped}
		if isChanged[t] {
			img.Status = NotReached
			if opts.DryRun {
				img.Status = WouldPush
			}
		}
		res.Images = append(res.Images, img)
	}
	if opts.DryRun || len(changed) == 0 {
		return res, nil
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = DefaultJobs
	}
	return res, pushChanged(ctx, b, tmp, flags, repositories, res, jobs)
}

// affected finds which of the push targets depend on the change. The reverse dependencies come from
// cquery, with the build's own flags: it follows the toolchains Bazel resolves and the select()s those
// flags pick, as the build will, and leaves Bazel's analysis ready for the build. The universe is the
// push targets' own dependencies, not //...: loading everything else (tests' coverage tools, say) would
// cost time and fetches and tell nothing about images.
func affected(ctx context.Context, b *Bazel, in Inputs, pushes, flags []string) ([]string, error) {
	if len(pushes) == 0 {
		return nil, nil
	}
	var roots []string
	files, err := existingTargets(ctx, b, in.Files)
	if err != nil {
		return nil, err
	}
	roots = append(roots, quoteAll(files)...)
	packages := append([]string{}, in.Packages...)
	if len(in.Bzl) > 0 {
		// rbuildfiles finds the BUILD files that load a .bzl, directly or through other .bzl files.
		buildFiles, err := b.Query(ctx, "rbuildfiles("+strings.Join(quoteAll(in.Bzl), ", ")+")", "--universe_scope="+strings.Join(pushes, ","))
		if err != nil {
			return nil, err
		}
		for _, f := range buildFiles {
			pkg, _, _ := strings.Cut(strings.TrimPrefix(f, "//"), ":")
			packages = append(packages, pkg)
		}
	}
	for _, pkg := range packages {
		roots = append(roots, quote("//"+pkg+":*"))
	}
	if len(roots) == 0 {
		return nil, nil
	}
	universe := "set(" + strings.Join(quoteAll(pushes), " ") + ")"
	return b.CQuery(ctx, flags, "kind("+pushKind+", rdeps("+universe+", "+strings.Join(roots, " + ")+"))")
}

// existingTargets keeps the file labels that are targets: files named by a rule or a glob. Others
// have no dependents, and naming them in a query would fail it.
func existingTargets(ctx context.Context, b *Bazel, files []string) ([]string, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var patterns []string
	seen := map[string]bool{}
	for _, f := range files {
		pkg, _, _ := strings.Cut(f, ":")
		if !seen[pkg] {
			seen[pkg] = true
			patterns = append(patterns, quote(pkg+":*"))
		}
	}
	targets, err := b.Query(ctx, strings.Join(patterns, " + "))
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, t := range targets {
		known[t] = true
	}
	var kept []string
	for _, f := range files {
		if known[f] {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// stampFlags are the flags of every build, run and cquery: stamped with a workspace status whose
// STABLE_GIT_COMMIT is the head commit, so that remote_tags = ["{STABLE_GIT_COMMIT}"] tags the commit.
func stampFlags(tmp, head string) ([]string, error) {
	status := filepath.Join(tmp, "workspace-status.sh")
	script := "#!/bin/sh\necho STABLE_GIT_COMMIT " + head + "\necho BUILD_SCM_REVISION " + head + "\n"
	if err := os.WriteFile(status, []byte(script), 0o755); err != nil {
		return nil, err
	}
	return []string{"--stamp", "--workspace_status_command=" + status}, nil
}

// pushChanged builds every changed push target in one Bazel invocation, then runs their push
// executables, up to jobs at once. Each push asks the registry to mount the blobs it lacks from
// another repository there: one this run pushed to, else another push target's, pushed by an
// earlier run. Images on one nixpkgs share their base layers, so the first image of each registry
// is pushed before the others start: the shared layers go up once and the rest mount them. A failed
// push does not stop the others; the error lists every failure.
func pushChanged(ctx context.Context, b *Bazel, tmp string, flags []string, repositories map[string]string, res *Result, jobs int) error {
	var targets []string
	var first, rest []int
	firstOf := map[string]bool{}
	for i, img := range res.Images {
		if img.Status != NotReached {
			continue
		}
		targets = append(targets, img.Target)
		if host := registryOf(repositories[img.Target]); !firstOf[host] {
			firstOf[host] = true
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	if err := b.Build(ctx, flags, targets); err != nil {
		return err
	}
	exes, err := b.Executables(ctx, flags, targets)
	if err != nil {
		return err
	}
	p := &pusher{b: b, tmp: tmp, exes: exes, repositories: repositories, res: res, mountFrom: map[string]string{}}
	p.pushAll(ctx, first, jobs)
	p.pushAll(ctx, rest, jobs)
	var failures []string
	for _, img := range res.Images {
		if img.Status == Failed {
			failures = append(failures, img.Target)
		}
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d pushes failed: %s", len(failures), len(targets), strings.Join(failures, ", "))
	}
	return nil
}

// pusher runs the pushes of one CI run; mu guards the images' outcomes, mountFrom and the log.
type pusher struct {
	b            *Bazel
	tmp          string
	exes         map[string]string
	repositories map[string]string
	res          *Result

	mu        sync.Mutex
	mountFrom map[string]string
}

// pushAll pushes the images at the given indexes, up to jobs at once, and returns when all are done.
func (p *pusher) pushAll(ctx context.Context, indexes []int, jobs int) {
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for _, i := range indexes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p.push(ctx, i)
		}()
	}
	wg.Wait()
}

// push pushes one image and records its outcome; its output reaches the log in one piece.
func (p *pusher) push(ctx context.Context, i int) {
	p.mu.Lock()
	img := p.res.Images[i]
	host := registryOf(p.repositories[img.Target])
	from, ok := p.mountFrom[host]
	if !ok {
		from = sibling(p.res.Images, p.repositories, img.Target, host)
	}
	p.mu.Unlock()

	report := filepath.Join(p.tmp, fmt.Sprintf("push-%d.json", i))
	args := []string{"--report-file=" + report}
	if host != "" && from != "" {
		args = append(args, "--mount-from="+from)
	}
	var out bytes.Buffer
	err := p.b.RunExecutable(ctx, p.exes[img.Target], &out, args...)
	if err == nil {
		err = readReport(report, &img)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.b.Log, "nixpy ci: push %s:\n%s", img.Target, out.String())
	if err != nil {
		img.Status, img.Error = Failed, err.Error()
	} else {
		img.Status = Pushed
		if repo, _, ok := strings.Cut(img.Reference, "@"); ok {
			p.mountFrom[registryOf(repo)] = repo
		}
	}
	p.res.Images[i] = img
}

func readReport(file string, img *Image) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s wrote no push report (is it a nixpy_push of this rules_nixpy?): %w", img.Target, err)
	}
	var r registry.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("push report of %s: %w", img.Target, err)
	}
	img.Digest, img.Reference = r.Digest, r.Reference
	img.UploadedBytes, img.TotalBytes = r.UploadedBytes, r.TotalBytes
	img.BlobsUploaded, img.BlobsExisting, img.BlobsMounted = r.BlobsUploaded, r.BlobsExisting, r.BlobsMounted
	return nil
}

// WriteJSON writes the result for other tools.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}
	return nil
}

// Counts tallies the images by status.
func (r *Result) Counts() map[Status]int {
	n := map[Status]int{}
	for _, img := range r.Images {
		n[img.Status]++
	}
	return n
}

func quote(label string) string { return `"` + label + `"` }

func quoteAll(labels []string) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = quote(l)
	}
	return out
}

func short(commit string) string {
	if commit == "" {
		return "(none)"
	}
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// sibling is the repository of another push target on the same registry, "" when there is none.
func sibling(images []Image, repositories map[string]string, target, host string) string {
	own := repositories[target]
	for _, img := range images {
		r := repositories[img.Target]
		if img.Target != target && r != own && r != "" && !strings.HasSuffix(r, "/") && registryOf(r) == host {
			return r
		}
	}
	return ""
}

// registryOf is the registry of a push target's repository, "" when it cannot tell. A repository
// ending in / (completed with the project's name at push time) still names its registry.
func registryOf(repository string) string {
	r, err := name.NewRepository(strings.TrimSuffix(repository, "/") + "/x")
	if repository == "" || err != nil {
		return ""
	}
	return r.RegistryStr()
}
