// Package dockerload streams an OCI image layout into the local Docker engine (docker load's
// format, produced on the fly by go-containerregistry, never written to disk) and tags it.
package dockerload

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/moby/moby/client"

	"github.com/nixpy/rules_nixpy/tools/ociimage"
)

// Options describe one load.
type Options struct {
	// Image is an OCI image layout holding one image.
	Image string
	// Tags name the image in the engine; without any, it is tagged nixpy/image:DIGEST12.
	Tags []string
}

// Result is a loaded image.
type Result struct {
	// ID is the engine's image ID, e.g. sha256:...
	ID   string
	Tags []string
}

// Load loads the image into the Docker engine that DOCKER_HOST (or the default socket) names.
func Load(ctx context.Context, opts Options) (*Result, error) {
	img, err := ociimage.ReadLayout(opts.Image)
	if err != nil {
		return nil, fmt.Errorf("--image %w", err)
	}
	tags := opts.Tags
	if len(tags) == 0 {
		digest, err := img.Digest()
		if err != nil {
			return nil, err
		}
		tags = []string{"nixpy/image:" + digest.Hex[:12]}
	}
	refs := make([]name.Tag, len(tags))
	for i, t := range tags {
		if refs[i], err = name.NewTag(t); err != nil {
			return nil, fmt.Errorf("--tag %q: %w", t, err)
		}
	}
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("connecting to the Docker engine: %w", err)
	}
	defer c.Close()
	if _, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return nil, fmt.Errorf("connecting to the Docker engine: %w", err)
	}
	dopts := []daemon.Option{daemon.WithClient(c), daemon.WithContext(ctx)}
	if _, err := daemon.Write(refs[0], img, dopts...); err != nil {
		return nil, fmt.Errorf("loading %s into the Docker engine: %w", opts.Image, err)
	}
	for _, ref := range refs[1:] {
		if err := daemon.Tag(refs[0], ref, dopts...); err != nil {
			return nil, fmt.Errorf("tagging %s as %s: %w", refs[0], ref, err)
		}
	}
	inspect, err := c.ImageInspect(ctx, refs[0].String())
	if err != nil {
		return nil, fmt.Errorf("inspecting %s: %w", refs[0], err)
	}
	return &Result{ID: inspect.ID, Tags: tags}, nil
}
