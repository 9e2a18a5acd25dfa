package registrytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Faults are what the proxy does wrong on purpose.
type Faults struct {
	// CutUploads is how many blob uploads (PATCH or PUT with a body) get their connection cut
	// after half their body.
	CutUploads int
	// FailRequests is how many requests, every third one from the start, get a 500.
	FailRequests int
	// Delay slows every answer.
	Delay time.Duration
	// Deny is a repository (REPO, without host) whose writes get 403 DENIED, as a registry answers
	// credentials that may pull but not push.
	Deny string
	// Missing is a repository every request to which gets 404 NAME_UNKNOWN, as registries answer
	// that need a repository created before the first push.
	Missing string
}

// Proxy sits between a client and a Registry.
type Proxy struct {
	// Host is the proxy's 127.0.0.1:PORT, to push to instead of the registry's.
	Host string

	backend string
	faults  Faults

	mu         sync.Mutex
	requests   int
	cut        int
	failed     int
	bySession  map[string]int64
	uploaded   map[string]int64
	total      int64
	violations []string
	manifests  int
	// heads and maxHeads count blob existence checks in flight, now and at most.
	heads, maxHeads int
}

// NewProxy starts a proxy in front of r, stopped when the test ends.
func NewProxy(t testing.TB, r *Registry, faults Faults) *Proxy {
	t.Helper()
	backend, err := url.Parse("http://" + r.Host)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{backend: r.Host, faults: faults, bySession: map[string]int64{}, uploaded: map[string]int64{}}
	// The registry builds upload URLs from the Host header, which the proxy passes on unchanged,
	// so clients keep talking to the proxy.
	rp := httputil.NewSingleHostReverseProxy(backend)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p.serve(t, rp, w, req)
	}))
	t.Cleanup(srv.Close)
	p.Host = strings.TrimPrefix(srv.URL, "http://")
	return p
}

func (p *Proxy) serve(t testing.TB, rp *httputil.ReverseProxy, w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/blobs/") {
		p.mu.Lock()
		p.heads++
		p.maxHeads = max(p.maxHeads, p.heads)
		p.mu.Unlock()
		defer func() {
			p.mu.Lock()
			p.heads--
			p.mu.Unlock()
		}()
	}
	if p.faults.Delay > 0 {
		time.Sleep(p.faults.Delay)
	}
	switch {
	case p.faults.Deny != "" && strings.HasPrefix(req.URL.Path, "/v2/"+p.faults.Deny+"/") && req.Method != http.MethodGet && req.Method != http.MethodHead:
		registryError(w, http.StatusForbidden, "DENIED", "requested access to the resource is denied")
		return
	case p.faults.Missing != "" && strings.HasPrefix(req.URL.Path, "/v2/"+p.faults.Missing+"/"):
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	p.mu.Lock()
	p.requests++
	fail := p.failed < p.faults.FailRequests && p.requests%3 == 0
	if fail {
		p.failed++
	}
	isUpload := strings.Contains(req.URL.Path, "/blobs/uploads/") && (req.Method == http.MethodPatch || req.Method == http.MethodPut) && req.ContentLength != 0
	cut := isUpload && p.cut < p.faults.CutUploads
	if cut {
		p.cut++
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, "injected failure", http.StatusInternalServerError)
		return
	}
	if cut {
		half := req.ContentLength / 2
		if half <= 0 {
			half = 512
		}
		_, _ = io.CopyN(io.Discard, req.Body, half)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("proxy: hijack: %v", err)
			return
		}
		conn.Close()
		return
	}
	if isUpload {
		session := req.URL.Path
		req.Body = &countingBody{ReadCloser: req.Body, add: func(n int64) {
			p.mu.Lock()
			p.bySession[session] += n
			p.total += n
			p.mu.Unlock()
		}}
	}
	// The PUT that commits an upload names its digest; the bytes came in its session's requests.
	if digest := req.URL.Query().Get("digest"); digest != "" && req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		defer func() {
			p.mu.Lock()
			p.uploaded[digest] += p.bySession[req.URL.Path]
			delete(p.bySession, req.URL.Path)
			p.mu.Unlock()
		}()
	}
	if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/manifests/") {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		p.checkManifest(req.URL.Path, body)
	}
	rp.ServeHTTP(w, req)
}

// registryError answers as the distribution API specifies errors.
func registryError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": message}}})
}

// checkManifest records a violation for each blob a manifest names that the registry lacks.
func (p *Proxy) checkManifest(path string, body []byte) {
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	p.mu.Lock()
	p.manifests++
	p.mu.Unlock()
	if err := json.Unmarshal(body, &m); err != nil {
		p.violate(fmt.Sprintf("%s: manifest is not JSON: %v", path, err))
		return
	}
	repo := strings.TrimPrefix(path[:strings.Index(path, "/manifests/")], "/v2/")
	digests := []string{m.Config.Digest}
	for _, l := range m.Layers {
		digests = append(digests, l.Digest)
	}
	for _, d := range digests {
		resp, err := http.Head("http://" + p.backend + "/v2/" + repo + "/blobs/" + d)
		if err != nil {
			p.violate(fmt.Sprintf("%s: checking %s: %v", path, d, err))
			continue
		}
		resp.Body.Close()
		// An auth-protected registry answers 401 here: the check applies to registries without auth.
		if resp.StatusCode == http.StatusNotFound {
			p.violate(fmt.Sprintf("manifest %s PUT before its blob %s exists", path, d))
		}
	}
}

func (p *Proxy) violate(msg string) {
	p.mu.Lock()
	p.violations = append(p.violations, msg)
	p.mu.Unlock()
}

// Uploaded returns the bytes uploaded per blob digest, in completed uploads.
func (p *Proxy) Uploaded() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(p.uploaded))
	for k, v := range p.uploaded {
		out[k] = v
	}
	return out
}

// TotalUploaded is every blob byte that reached the registry, including uploads that were retried.
func (p *Proxy) TotalUploaded() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// Violations lists manifests that arrived before their blobs.
func (p *Proxy) Violations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.violations...)
}

// Injected reports how many cuts and failures the proxy made, to check a test exercised them.
func (p *Proxy) Injected() (cuts, failures int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut, p.failed
}

// MaxConcurrentChecks is the most blob existence checks (HEAD requests) the proxy served at once.
func (p *Proxy) MaxConcurrentChecks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxHeads
}

// ResetCounts forgets the uploads and checks counted so far.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bySession, p.uploaded, p.total, p.maxHeads = map[string]int64{}, map[string]int64{}, 0, 0
}

type countingBody struct {
	io.ReadCloser
	add func(int64)
}

func (b *countingBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	b.add(int64(n))
	return n, err
}
