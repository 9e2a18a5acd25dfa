package registry

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

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

// insecureTransport is the default transport without TLS verification, for --insecure.
func insecureTransport() http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for --insecure
	return t
}
