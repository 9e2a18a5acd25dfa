// Package dockerload loads an image into the local Docker engine, sending only what the engine lacks:
// nothing but tags when it has the image, and on the classic image store only the layers it has not
// got, in docker load's format streamed on the fly, never written to disk.
//
// The classic store (a graph driver) loads a docker archive layer by layer and does not open a
// layer's file when it already has the layer's chain ID (moby's image/tarexport Load), so an archive
// may leave such layers out. The containerd image store imports the archive's blobs into its content
// store and needs them all: there, every layer is sent.
package dockerload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

// Result is a loaded image.
type Result struct {
	// ID is the engine's image ID, sha256:... of the image's config on the classic store.
	ID   string
	Tags []string
	// Layers is the image's number of layers, LayersSent how many of them went to the engine, and
	// LayerBytes their bytes; Bytes is the whole archive sent, 0 when the engine had the image.
	Layers, LayersSent int
	LayerBytes, Bytes  int64
}

// LoadLayout loads the one image of an OCI image layout, as Load does.
func LoadLayout(ctx context.Context, dir string, tags []string) (*Result, error) {
	img, err := ociimage.ReadLayout(dir)
	if err != nil {
		return nil, fmt.Errorf("--image %w", err)
	}
	return Load(ctx, img, tags)
}

// Load loads the image into the Docker engine that DOCKER_HOST (or the default socket) names and tags
// it; without tags, as nixpy/image:ID12, the first 12 hex digits of its image ID.
func Load(ctx context.Context, img v1.Image, tags []string) (*Result, error) {
	id, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("the image's config: %w", err)
	}
	if len(tags) == 0 {
		tags = []string{"nixpy/image:" + id.Hex[:12]}
	}
	refs := make([]string, len(tags))
	for i, t := range tags {
		tag, err := name.NewTag(t)
		if err != nil {
			return nil, fmt.Errorf("--tag %q: %w", t, err)
		}
		refs[i] = familiar(tag)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("the image's layers: %w", err)
	}
	e, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer e.c.Close()
	res := &Result{ID: id.String(), Tags: tags, Layers: len(layers)}
	if _, err := e.c.ImageInspect(ctx, id.String()); err == nil {
		return res, e.tag(ctx, id.String(), refs)
	}
	present, err := e.presentChains(ctx, refs)
	if err != nil {
		return nil, err
	}
	if err := e.loadMissing(ctx, img, refs, layers, present, res); err != nil {
		return nil, fmt.Errorf("loading %s into the Docker engine: %w", id, err)
	}
	return res, nil
}

// loadMissing loads the image without the layers whose chain IDs are present, and with them all if
// that fails: an image the engine had may have gone since it was asked (docker rmi, a prune).
func (e engine) loadMissing(ctx context.Context, img v1.Image, refs []string, layers []v1.Layer, present map[v1.Hash]bool, res *Result) error {
	a, err := newArchive(img, refs, layers, present)
	if err != nil {
		return err
	}
	err = e.load(ctx, a, res)
	if err != nil && a.omitted > 0 {
		a.omit = nil
		err = e.load(ctx, a, res)
	}
	return err
}

// familiar is the tag as the engine names it (app:dev, ghcr.io/acme/app:1): a docker archive's
// RepoTags must carry a tag, and Docker Hub's names are written short.
func familiar(t name.Tag) string {
	repo := t.RepositoryStr()
	if t.RegistryStr() == name.DefaultRegistry {
		repo = strings.TrimPrefix(repo, "library/")
	} else {
		repo = t.RegistryStr() + "/" + repo
	}
	return repo + ":" + t.TagStr()
}

// engine is the Docker engine a load talks to.
type engine struct {
	c *client.Client
}

// connect connects to the engine DOCKER_HOST (or the default socket) names, in the API version both
// speak.
func connect(ctx context.Context) (engine, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return engine{}, fmt.Errorf("connecting to the Docker engine: %w", err)
	}
	if _, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		c.Close()
		return engine{}, fmt.Errorf("connecting to the Docker engine: %w", err)
	}
	return engine{c: c}, nil
}

func (e engine) tag(ctx context.Context, id string, refs []string) error {
	for _, ref := range refs {
		if _, err := e.c.ImageTag(ctx, client.ImageTagOptions{Source: id, Target: ref}); err != nil {
			return fmt.Errorf("tagging %s as %s: %w", id, ref, err)
		}
	}
	return nil
}

// maxCandidates bounds the images asked for their layers: the newest of the tags' repositories,
// where an earlier build of the same image, the one sharing most layers, is.
const maxCandidates = 20

// containerdStore is the driver-type that docker info reports for the containerd image store.
const containerdStore = "io.containerd.snapshotter.v1"

// presentChains returns the chain IDs of the layers the engine has under the images of the tags'
// repositories, or none on the containerd image store, where every layer must be sent.
func (e engine) presentChains(ctx context.Context, refs []string) (map[v1.Hash]bool, error) {
	info, err := e.c.Info(ctx, client.InfoOptions{})
	if err != nil {
		return nil, fmt.Errorf("docker info: %w", err)
	}
	for _, kv := range info.Info.DriverStatus {
		if kv[0] == "driver-type" && kv[1] == containerdStore {
			return nil, nil
		}
	}
	filters := make(client.Filters)
	for _, ref := range refs {
		filters.Add("reference", ref[:strings.LastIndex(ref, ":")])
	}
	list, err := e.c.ImageList(ctx, client.ImageListOptions{Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("listing the engine's images: %w", err)
	}
	images := list.Items
	slices.SortFunc(images, func(a, b image.Summary) int { return int(b.Created - a.Created) })
	present := map[v1.Hash]bool{}
	for _, im := range images[:min(len(images), maxCandidates)] {
		inspect, err := e.c.ImageInspect(ctx, im.ID)
		if err != nil {
			continue // removed since listed
		}
		diffIDs := make([]v1.Hash, len(inspect.RootFS.Layers))
		for i, l := range inspect.RootFS.Layers {
			if diffIDs[i], err = v1.NewHash(l); err != nil {
				return nil, fmt.Errorf("image %s: layer %q: %w", im.ID, l, err)
			}
		}
		for _, chain := range chainIDs(diffIDs) {
			present[chain] = true
		}
	}
	return present, nil
}

// chainIDs are the layers' chain IDs, the identity of a layer on the ones below it (the OCI image
// spec's ChainID): ChainID(L0) = DiffID(L0), ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).
func chainIDs(diffIDs []v1.Hash) []v1.Hash {
	chains := make([]v1.Hash, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			chains[i] = d
			continue
		}
		h, _, _ := v1.SHA256(strings.NewReader(chains[i-1].String() + " " + d.String()))
		chains[i] = h
	}
	return chains
}

// load streams the archive to the engine and waits for the engine's verdict.
func (e engine) load(ctx context.Context, a *archive, res *Result) error {
	pr, pw := io.Pipe()
	counted := &countingReader{r: pr}
	written := make(chan error, 1)
	go func() {
		err := a.write(pw)
		pw.CloseWithError(err)
		written <- err
	}()
	resp, err := e.c.ImageLoad(ctx, counted, client.ImageLoadWithQuiet(true))
	if err == nil {
		err = engineError(resp)
		resp.Close()
	}
	// Unblocks the writer if the engine stopped reading early.
	pr.CloseWithError(errors.New("the engine stopped reading"))
	if werr := <-written; err == nil && werr != nil {
		err = fmt.Errorf("writing the archive: %w", werr)
	}
	res.LayersSent, res.LayerBytes, res.Bytes = a.sent, a.sentBytes, counted.n
	return err
}

// engineError reads the engine's JSON message stream to its end and returns the error it reports.
func engineError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading the engine's answer: %w", err)
		}
		if m.Error != nil {
			return m.Error
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
