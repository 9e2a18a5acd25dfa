package ocitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestCheckLayout: a layout of one OCI image passes; each way of breaking it is reported.
func TestCheckLayout(t *testing.T) {
	write := func(t *testing.T, images int) string {
		dir := filepath.Join(t.TempDir(), "layout")
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			t.Fatal(err)
		}
		for range images {
			img, err := random.Image(100, 2)
			if err != nil {
				t.Fatal(err)
			}
			img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
			if err := p.AppendImage(img); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	if err := CheckLayout(write(t, 1)); err != nil {
		t.Fatalf("a good layout: %v", err)
	}
	for _, tt := range []struct {
		name   string
		images int
		edit   func(dir string) error
		want   string
	}{
		{"two images", 2, nil, "exactly one"},
		{"a stray file", 1, func(dir string) error { return os.WriteFile(filepath.Join(dir, "image.digest"), nil, 0o644) }, "image.digest"},
		{"a stray blob", 1, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "blobs", "sha256", strings.Repeat("0", 64)), nil, 0o644)
		}, "holds bytes of digest"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, tt.images)
			if tt.edit != nil {
				if err := tt.edit(dir); err != nil {
					t.Fatal(err)
				}
			}
			if err := CheckLayout(dir); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
