// Package registry pushes an OCI image layout to a registry with go-containerregistry: credentials
// from the Docker keychain (config.json and credential helpers), only the blobs the registry lacks,
// cross-repository mounts, retries with backoff on 5xx answers and dropped connections, and
// progress on a writer. Blobs always go before the manifest that names them. A push the registry
// does not take ends in an *Error that says what the registry wanted and what to do about it.
package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/nixpy/rules_nixpy/tools/layering"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

// Options describe one push.
type Options struct {
	// Image is an OCI image layout holding exactly one image.
	Image string
	// Repository is HOST/REPO, without tag or digest.
	Repository string
	Tags       []string
	// MountFrom names a repository on the same registry that may hold the layers already; the
	// registry links them instead of receiving them again.
	MountFrom string
	// Insecure allows plain HTTP and unverified TLS (ggcr already uses HTTP for localhost).
	Insecure bool
	// Progress receives progress lines; nil discards them.
	Progress io.Writer
	// Backoff between retries; zero means a default of 6 tries from 1s, doubling.
	Backoff remote.Backoff
	Jobs    int
	// SBOM, when set, is a CycloneDX JSON file pushed as an OCI 1.1 referrer of the image (see Result.SBOM).
	SBOM string
}

// Result is a finished push.
type Result struct {
	// Ref is REPO@sha256:..., the pushed manifest.
	Ref name.Digest
	// UploadedBytes counts the blob bytes sent, retries included; mounted and existing blobs cost none.
	UploadedBytes int64
	TotalBytes    int64
	// BlobsUploaded, BlobsExisting and BlobsMounted count the blobs (layers and config) by how
	// they reached the registry.
	BlobsUploaded, BlobsExisting, BlobsMounted int64
	// SBOM is REPO@sha256:... of the SBOM artifact referring to the image, when one was pushed.
	SBOM *name.Digest
}

// Report is a push's Result as `nixpy push --report-file` writes it, for tools that act on pushes.
type Report struct {
	// Reference is REPO@sha256:..., Digest its sha256:... part.
	Reference     string `json:"reference"`
	Digest        string `json:"digest"`
	UploadedBytes int64  `json:"uploaded_bytes"`
	TotalBytes    int64  `json:"total_bytes"`
	BlobsUploaded int64  `json:"blobs_uploaded"`
	BlobsExisting int64  `json:"blobs_existing"`
	BlobsMounted  int64  `json:"blobs_mounted"`
	// SBOM is REPO@sha256:... of the SBOM referrer, if one was pushed.
	SBOM string `json:"sbom,omitempty"`
}

// Report describes the result for --report-file.
func (r *Result) Report() Report {
	rep := Report{
		Reference: r.Ref.String(), Digest: r.Ref.DigestStr(),
		UploadedBytes: r.UploadedBytes, TotalBytes: r.TotalBytes,
		BlobsUploaded: r.BlobsUploaded, BlobsExisting: r.BlobsExisting, BlobsMounted: r.BlobsMounted,
	}
	if r.SBOM != nil {
		rep.SBOM = r.SBOM.String()
	}
	return rep
}

// retryCodes are the answers worth retrying: the registry or a proxy in front of it had a bad moment.
var retryCodes = []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// Push pushes the layout's image to the repository, by digest, then tags it.
func Push(ctx context.Context, opts Options) (*Result, error) {
	img, err := ociimage.ReadLayout(opts.Image)
	if err != nil {
		return nil, fmt.Errorf("--image %w", err)
	}
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	if strings.Contains(opts.Repository, "@") {
		// Not echoed: whatever precedes an @ may be user:password.
		return nil, errors.New("--repository takes HOST/REPO, without user, password or digest (credentials come from the Docker config)")
	}
	repo, err := name.NewRepository(opts.Repository, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("--repository %q: %w", opts.Repository, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", opts.Image, err)
	}
	ref := repo.Digest(digest.String())
	tags := make([]name.Tag, 0, len(opts.Tags))
	for _, t := range opts.Tags {
		tag, err := name.NewTag(repo.Name()+":"+t, nameOpts...)
		if err != nil {
			return nil, fmt.Errorf("--tag %q: %w", t, err)
		}
		tags = append(tags, tag)
	}
	var sbom v1.Image
	if opts.SBOM != "" {
		if sbom, err = sbomArtifact(img, opts.SBOM); err != nil {
			return nil, err
		}
	}
	blobs := &blobTracker{blobs: map[string]*blobUpload{}}
	if img, err = pushable(img, repo, opts.MountFrom, nameOpts, blobs); err != nil {
		return nil, err
	}

	keychain := &observedKeychain{next: authn.DefaultKeychain}
	explain := explainer{repo: repo, keychain: keychain, blobs: blobs}
	backoff := opts.Backoff
	if backoff.Steps == 0 {
		backoff = remote.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: 6}
	}
	counter := &countingTransport{next: remote.DefaultTransport, tracker: blobs}
	if opts.Insecure {
		counter.next = insecureTransport()
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	updates := make(chan v1.Update, 16)
	done := make(chan struct{})
	var total atomic.Int64
	go func() {
		defer close(done)
		report(progress, repo.String(), updates, &total, counter)
	}()
	remoteOpts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(keychain),
		remote.WithTransport(counter),
		remote.WithRetryBackoff(backoff),
		remote.WithRetryStatusCodes(retryCodes...),
	}
	if opts.Jobs > 0 {
		remoteOpts = append(remoteOpts, remote.WithJobs(opts.Jobs))
	}
	// go-containerregistry closes updates when the write ends, which ends report.
	err = remote.Write(ref, img, append(remoteOpts, remote.WithProgress(updates))...)
	<-done
	if err != nil {
		return nil, fmt.Errorf("pushing %s to %s: %w", opts.Image, repo, explain.explain(err))
	}
	res := &Result{
		Ref: ref, UploadedBytes: counter.sent.Load(), TotalBytes: total.Load(),
		BlobsUploaded: counter.uploaded.Load(), BlobsExisting: counter.existing.Load(), BlobsMounted: counter.mounted.Load(),
	}
	// The SBOM goes before the tags, so that an image found by a tag has its SBOM; its blobs are not
	// counted among the image's.
	if sbom != nil {
		if res.SBOM, err = pushReferrer(repo, sbom, append(remoteOpts, remote.WithTransport(counter.next))); err != nil {
			return nil, fmt.Errorf("pushing the SBOM %s of %s: %w", opts.SBOM, ref, explain.explain(err))
		}
		fmt.Fprintf(progress, "pushed the SBOM of %s as its referrer %s\n", ref, res.SBOM)
	}
	// Tagging PUTs the same manifest under each tag: no blob moves again.
	for _, tag := range tags {
		if err := remote.Tag(tag, img, remoteOpts...); err != nil {
			return nil, fmt.Errorf("tagging %s as %s: %w", ref, tag, explain.explain(err))
		}
	}
	fmt.Fprintf(progress, "pushed %s: blobs %s; %s uploaded of %s (%d of %d bytes)\n",
		ref, counter.blobs(), layering.HumanSize(res.UploadedBytes), layering.HumanSize(res.TotalBytes), res.UploadedBytes, res.TotalBytes)
	return res, nil
}

// pushImage is the image as remote.Write sees it: its blobs count their upload attempts, and
// with a mount source its layers name it.
type pushImage struct {
	v1.Image
	layers []v1.Layer
	config v1.Layer
}

func (p pushImage) Layers() ([]v1.Layer, error) { return p.layers, nil }

// ConfigLayer is what partial.ConfigLayer, and so remote.Write, uploads as the config blob.
func (p pushImage) ConfigLayer() (v1.Layer, error) { return p.config, nil }

// pushable wraps img's blobs so that blobs follows their uploads. A non-empty from is offered as mount source for every
// layer: a registry that lacks the blob there answers with an upload session and the push sends
// it after all.
func pushable(img v1.Image, repo name.Repository, from string, nameOpts []name.Option, blobs *blobTracker) (v1.Image, error) {
	var src name.Repository
	if from != "" {
		var err error
		if src, err = name.NewRepository(from, nameOpts...); err != nil {
			return nil, fmt.Errorf("--mount-from %q: %w", from, err)
		}
		if src.RegistryStr() != repo.RegistryStr() {
			return nil, fmt.Errorf("--mount-from %s: mounts only work within one registry (%s)", src, repo.RegistryStr())
		}
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	out := pushImage{Image: img, layers: make([]v1.Layer, len(layers))}
	for i, l := range layers {
		tracked, err := blobs.track(l)
		if err != nil {
			return nil, err
		}
		out.layers[i] = tracked
		if from != "" {
			out.layers[i] = &remote.MountableLayer{Layer: tracked, Reference: src.Digest(tracked.upload.digest.String())}
		}
	}
	config, err := partial.ConfigLayer(img)
	if err != nil {
		return nil, err
	}
	if out.config, err = blobs.track(config); err != nil {
		return nil, err
	}
	return out, nil
}

// report prints progress at most twice a second, and once at the end.
func report(w io.Writer, repo string, updates <-chan v1.Update, total *atomic.Int64, counter *countingTransport) {
	var last time.Time
	for u := range updates {
		if u.Error != nil && !errors.Is(u.Error, io.EOF) {
			continue
		}
		total.Store(u.Total)
		if time.Since(last) < 500*time.Millisecond && u.Complete != u.Total {
			continue
		}
		last = time.Now()
		fmt.Fprintf(w, "pushing %s: %s of %s done, %s uploaded; blobs %s\n", repo, layering.HumanSize(u.Complete), layering.HumanSize(u.Total), layering.HumanSize(counter.sent.Load()), counter.blobs())
	}
}
