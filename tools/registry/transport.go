package registry

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// countingTransport counts what a push cost: the bytes of blob uploads actually sent, and how
// many blobs were uploaded, found already there, or mounted from another repository.
type countingTransport struct {
	next     http.RoundTripper
	sent     atomic.Int64
	uploaded atomic.Int64
	existing atomic.Int64
	mounted  atomic.Int64
	// tracker learns which uploads completed.
	tracker *blobTracker
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	uploads := strings.Contains(req.URL.Path, "/blobs/uploads/")
	if req.Body != nil && uploads && (req.Method == http.MethodPatch || req.Method == http.MethodPut) {
		req = req.Clone(req.Context())
		req.Body = &countingBody{ReadCloser: req.Body, n: &c.sent}
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	switch {
	case req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/blobs/sha256:") && resp.StatusCode == http.StatusOK:
		c.existing.Add(1)
	case req.Method == http.MethodPost && uploads && req.URL.Query().Get("mount") != "" && resp.StatusCode == http.StatusCreated:
		c.mounted.Add(1)
	case req.Method == http.MethodPut && uploads && req.URL.Query().Get("digest") != "" && resp.StatusCode == http.StatusCreated:
		c.uploaded.Add(1)
		c.tracker.finish(req.URL.Query().Get("digest"))
	}
	return resp, nil
}

// blobs describes the blob counts so far.
func (c *countingTransport) blobs() string {
	return fmt.Sprintf("%d uploaded, %d already there, %d mounted", c.uploaded.Load(), c.existing.Load(), c.mounted.Load())
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// blobTracker follows each blob's uploads, to say after failed retries which blob it was, how
// often it was tried and how far the last try got. A blob's upload retries open its content anew.
type blobTracker struct {
	// blobs is keyed by digest; written before the push starts, only read after.
	blobs map[string]*blobUpload
}

type blobUpload struct {
	digest   v1.Hash
	size     int64
	attempts atomic.Int64
	// sent counts the bytes the latest attempt read for sending.
	sent atomic.Int64
	done atomic.Bool
}

func (t *blobTracker) finish(digest string) {
	if b, ok := t.blobs[digest]; ok {
		b.done.Store(true)
	}
}

// track wraps a layer (or the config blob) so that its uploads are counted.
func (t *blobTracker) track(l v1.Layer) (*trackedLayer, error) {
	digest, err := l.Digest()
	if err != nil {
		return nil, err
	}
	size, err := l.Size()
	if err != nil {
		return nil, err
	}
	b, ok := t.blobs[digest.String()]
	if !ok {
		b = &blobUpload{digest: digest, size: size}
		t.blobs[digest.String()] = b
	}
	return &trackedLayer{Layer: l, upload: b}, nil
}

type trackedLayer struct {
	v1.Layer
	upload *blobUpload
}

// Compressed is called once per upload attempt: go-containerregistry sends what it returns.
func (l *trackedLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	l.upload.attempts.Add(1)
	l.upload.sent.Store(0)
	return &countingBody{ReadCloser: rc, n: &l.upload.sent}, nil
}

// insecureTransport is the default transport without TLS verification, for --insecure.
func insecureTransport() http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for --insecure
	return t
}
