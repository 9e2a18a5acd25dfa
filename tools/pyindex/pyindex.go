// Package pyindex finds a project's files by sha256 on Python package indexes through the simple
// repository API: PEP 691 JSON when the index offers it, else PEP 503 HTML. Lock files that pin
// hashes without file URLs (pip-compile's requirements.txt, poetry.lock, pdm.lock) are resolved
// with it outside the build, where network is allowed.
package pyindex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/pep508"
)

// PyPI is the index used when neither the lock nor the caller names one.
const PyPI = "https://pypi.org/simple/"

// File is one file of a project on an index.
type File struct {
	Filename string `json:"filename"`
	URL      string `json:"url"`              // absolute, without the hash fragment or credentials
	SHA256   string `json:"sha256,omitempty"` // lower-case hex; empty when the index gives none
}

// Client reads project pages of the simple API.
type Client struct {
	HTTP *http.Client // nil: http.DefaultClient
	// CacheDir, when set, keeps each project page's file list by URL, so a second resolve of the
	// same lock needs no network: files never change on an index, only new ones appear.
	CacheDir string

	mem map[string]memEntry // by page URL; a Client is not for concurrent use
}

// NotFoundError says that no index serves a file with the hash.
type NotFoundError struct {
	Project string
	SHA256  string
	Indexes []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("sha256 %s matches no file of %s on %s", e.SHA256, e.Project, strings.Join(e.Indexes, ", "))
}

// Find returns the file of project whose sha256 is sum, looking at the indexes in order. A
// cached page that lacks the hash is fetched again, since the project may have gained files.
func (c *Client) Find(ctx context.Context, indexes []string, project, sum string) (File, error) {
	var stale []string
	for _, index := range indexes {
		files, cached, err := c.files(ctx, index, project, false)
		if err != nil {
			return File{}, err
		}
		if f, ok := withHash(files, sum); ok {
			return f, nil
		}
		if cached {
			stale = append(stale, index)
		}
	}
	for _, index := range stale {
		files, _, err := c.files(ctx, index, project, true)
		if err != nil {
			return File{}, err
		}
		if f, ok := withHash(files, sum); ok {
			return f, nil
		}
	}
	return File{}, &NotFoundError{Project: project, SHA256: sum, Indexes: indexes}
}

func withHash(files []File, sum string) (File, bool) {
	for _, f := range files {
		if f.SHA256 == sum {
			return f, true
		}
	}
	return File{}, false
}

// ProjectURL is the page of project on the index: its PEP 503 normalised name below the index URL.
func ProjectURL(index, project string) string {
	return strings.TrimSuffix(index, "/") + "/" + pep508.Normalize(project) + "/"
}

// files returns the file list of a project page and whether it is from the disk cache (and so
// may be stale). A page fetched in this process is kept in memory: a lock pins many files of
// one project. A project the index does not have has no files.
func (c *Client) files(ctx context.Context, index, project string, fresh bool) ([]File, bool, error) {
	page := ProjectURL(index, project)
	if e, ok := c.mem[page]; ok && !(fresh && e.cached) {
		return e.files, e.cached, nil
	}
	if !fresh {
		if files, ok := c.readCache(page); ok {
			c.remember(page, files, true)
			return files, true, nil
		}
	}
	files, err := c.fetch(ctx, page)
	if err != nil {
		return nil, false, err
	}
	if err := c.writeCache(page, files); err != nil {
		return nil, false, err
	}
	c.remember(page, files, false)
	return files, false, nil
}

func (c *Client) remember(page string, files []File, cached bool) {
	if c.mem == nil {
		c.mem = map[string]memEntry{}
	}
	c.mem[page] = memEntry{files, cached}
}

type memEntry struct {
	files  []File
	cached bool
}

// The JSON form first; HTML for indexes that only speak PEP 503.
const accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"

func (c *Client) fetch(ctx context.Context, page string) ([]File, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return nil, fmt.Errorf("index page %s: %w", page, err)
	}
	req.Header.Set("Accept", accept)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("index %s unreachable: %w", page, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("index page %s: %s", page, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("index page %s: %w", page, err)
	}
	// Links are relative to the page as served, after any redirect.
	base := resp.Request.URL
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var files []File
	if ct == "application/vnd.pypi.simple.v1+json" {
		files, err = parseJSON(base, body)
	} else {
		files, err = parseHTML(base, body)
	}
	if err != nil {
		return nil, fmt.Errorf("index page %s: %w", page, err)
	}
	return files, nil
}

// parseJSON reads a PEP 691 project page.
func parseJSON(base *url.URL, body []byte) ([]File, error) {
	var page struct {
		Files []struct {
			Filename string            `json:"filename"`
			URL      string            `json:"url"`
			Hashes   map[string]string `json:"hashes"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("PEP 691 JSON: %w", err)
	}
	files := make([]File, 0, len(page.Files))
	for i, f := range page.Files {
		u, err := base.Parse(f.URL)
		if err != nil {
			return nil, fmt.Errorf("files[%d] %s: url: %w", i, f.Filename, err)
		}
		files = append(files, File{Filename: f.Filename, URL: fileURL(u), SHA256: strings.ToLower(f.Hashes["sha256"])})
	}
	return files, nil
}

// fileOf turns a PEP 503 link into a File: the hash is the URL's #sha256= fragment, the file
// name the last path segment (PEP 503 says the link text must be it; the path is what is fetched).
func fileOf(base *url.URL, href string) (File, error) {
	u, err := base.Parse(href)
	if err != nil {
		return File{}, fmt.Errorf("link %q: %w", href, err)
	}
	var sum string
	if algo, hex, ok := strings.Cut(u.Fragment, "="); ok && algo == "sha256" {
		sum = strings.ToLower(hex)
	}
	name, err := url.PathUnescape(u.Path[strings.LastIndex(u.Path, "/")+1:])
	if err != nil {
		return File{}, fmt.Errorf("link %q: file name: %w", href, err)
	}
	return File{Filename: name, URL: fileURL(u), SHA256: sum}, nil
}

// fileURL is a file's URL as a lock may record it: without the hash fragment, and without the
// credentials of an index URL like https://user:token@host/simple/, which relative links inherit.
func fileURL(u *url.URL) string {
	c := *u
	c.Fragment = ""
	c.User = nil
	return c.String()
}

// cacheEntry is what the cache keeps of a page: the file list, not the page, so either form
// of the API fills it.
type cacheEntry struct {
	URL   string `json:"url"`
	Files []File `json:"files"`
}

func (c *Client) cachePath(page string) string {
	sum := sha256.Sum256([]byte(page))
	return filepath.Join(c.CacheDir, hex.EncodeToString(sum[:])+".json")
}

func (c *Client) readCache(page string) ([]File, bool) {
	if c.CacheDir == "" {
		return nil, false
	}
	data, err := os.ReadFile(c.cachePath(page))
	if err != nil {
		return nil, false
	}
	var e cacheEntry
	// A damaged or foreign entry is a miss: the page is fetched again and the entry rewritten.
	if json.Unmarshal(data, &e) != nil || e.URL != page {
		return nil, false
	}
	return e.Files, true
}

func (c *Client) writeCache(page string, files []File) error {
	if c.CacheDir == "" {
		return nil
	}
	data, err := json.Marshal(cacheEntry{URL: page, Files: files})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.CacheDir, 0o755); err != nil {
		return fmt.Errorf("index cache: %w", err)
	}
	// Written aside and renamed, so a concurrent reader never sees half an entry.
	if err := renameio.WriteFile(c.cachePath(page), data, 0o644); err != nil {
		return fmt.Errorf("index cache: %w", err)
	}
	return nil
}

// DefaultCacheDir is nixpy's directory in the user's cache ($XDG_CACHE_HOME, else ~/.cache).
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "nixpy", "simple")
}
