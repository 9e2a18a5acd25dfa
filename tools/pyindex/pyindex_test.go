package pyindex

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const (
	flaskWheel = "flask-2.2.2-py3-none-any.whl"
	flaskSum   = "e3f988a4cfddbbaec8efccd60973979143927472b531dd7948c1f41687629901"
	flaskSdist = "Flask-2.2.2.tar.gz"
	sdistSum   = "642c450d19c4ad482f96729bd2a8f6d32554aa1e231f4f6b4e7e5264b16cca2b"
	otherSum   = "0000000000000000000000000000000000000000000000000000000000000000"
)

// staticIndex writes a PEP 503 tree as a static file server serves it: simple/<project>/index.html
// with links relative to the page, and the files under packages/. It returns the index URL and a
// count of page requests.
func staticIndex(t *testing.T, pages map[string]string) (string, *atomic.Int32) {
	t.Helper()
	root := t.TempDir()
	for rel, text := range pages {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var hits atomic.Int32
	files := http.FileServer(http.Dir(root))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/simple/") {
			hits.Add(1)
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/simple/", &hits
}

func flaskPage(links ...string) string {
	return "<!DOCTYPE html>\n<html><head><title>Links for flask</title></head><body>\n<h1>Links for flask</h1>\n" +
		strings.Join(links, "<br/>\n") + "\n</body></html>\n"
}

// jsonIndex serves PEP 691 JSON for the client's Accept header, with absolute file URLs.
func jsonIndex(t *testing.T) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/simple/flask/" {
			http.NotFound(w, r)
			return
		}
		if !strings.Contains(r.Header.Get("Accept"), "application/vnd.pypi.simple.v1+json") {
			t.Errorf("Accept %q does not ask for PEP 691 JSON", r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		json.NewEncoder(w).Encode(map[string]any{
			"meta": map[string]string{"api-version": "1.1"},
			"name": "flask",
			"files": []map[string]any{
				{"filename": flaskSdist, "url": "/files/" + flaskSdist, "hashes": map[string]string{"sha256": sdistSum}},
				{"filename": flaskWheel, "url": srv.URL + "/files/" + flaskWheel, "hashes": map[string]string{"sha256": strings.ToUpper(flaskSum)}},
			},
		})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/simple"
}

func TestFind(t *testing.T) {
	html, _ := staticIndex(t, map[string]string{
		"simple/flask/index.html": flaskPage(
			`<a href="../../packages/e3/ef/`+flaskWheel+`#sha256=`+flaskSum+`" data-requires-python="&gt;=3.7">`+flaskWheel+`</a>`,
			`<a href="../../packages/69/c9/`+flaskSdist+`#sha256=`+sdistSum+`">`+flaskSdist+`</a>`),
		"simple/markupsafe/index.html": flaskPage(`<a href="/packages/MarkupSafe-2.1.2.tar.gz#sha256=` + otherSum + `">MarkupSafe-2.1.2.tar.gz</a>`),
	})
	htmlBase := strings.TrimSuffix(html, "/simple/")
	empty, _ := staticIndex(t, map[string]string{"simple/index.html": ""})
	jsonURL := jsonIndex(t)
	jsonBase := strings.TrimSuffix(jsonURL, "/simple")
	tests := []struct {
		name     string
		indexes  []string
		project  string
		sum      string
		want     File
		wantErrs []string
	}{
		{"html relative link", []string{html}, "flask", flaskSum,
			File{flaskWheel, htmlBase + "/packages/e3/ef/" + flaskWheel, flaskSum}, nil},
		{"html sdist", []string{html}, "flask", sdistSum,
			File{flaskSdist, htmlBase + "/packages/69/c9/" + flaskSdist, sdistSum}, nil},
		{"name normalised", []string{html}, "MarkupSafe", otherSum,
			File{"MarkupSafe-2.1.2.tar.gz", htmlBase + "/packages/MarkupSafe-2.1.2.tar.gz", otherSum}, nil},
		{"json absolute url, upper-case hash", []string{jsonURL}, "Flask", flaskSum,
			File{flaskWheel, jsonBase + "/files/" + flaskWheel, flaskSum}, nil},
		{"json relative url", []string{jsonURL}, "flask", sdistSum,
			File{flaskSdist, jsonBase + "/files/" + flaskSdist, sdistSum}, nil},
		{"credentials of the index stay out of file URLs", []string{strings.Replace(html, "http://", "http://user:token@", 1)}, "flask", flaskSum,
			File{flaskWheel, htmlBase + "/packages/e3/ef/" + flaskWheel, flaskSum}, nil},
		{"extra index after one without the project", []string{empty, html}, "flask", flaskSum,
			File{flaskWheel, htmlBase + "/packages/e3/ef/" + flaskWheel, flaskSum}, nil},
		{"no file has the hash", []string{html, jsonURL}, "flask", otherSum, File{},
			[]string{"sha256 " + otherSum + " matches no file of flask on " + html + ", " + jsonURL}},
		{"project on no index", []string{empty}, "flask", flaskSum, File{},
			[]string{"matches no file of flask on " + empty}},
		{"unreachable index", []string{"http://127.0.0.1:1/simple/"}, "flask", flaskSum, File{},
			[]string{"index http://127.0.0.1:1/simple/flask/ unreachable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Client
			got, err := c.Find(context.Background(), tt.indexes, tt.project, tt.sum)
			if tt.wantErrs != nil {
				if err == nil {
					t.Fatalf("Find = %+v, want an error", got)
				}
				for _, want := range tt.wantErrs {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Find = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNotFoundError(t *testing.T) {
	html, _ := staticIndex(t, map[string]string{"simple/flask/index.html": flaskPage()})
	var c Client
	_, err := c.Find(context.Background(), []string{html}, "flask", flaskSum)
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.SHA256 != flaskSum || nf.Project != "flask" || len(nf.Indexes) != 1 {
		t.Fatalf("err = %v, want a NotFoundError for flask %s", err, flaskSum)
	}
}

// TestCache: a second client with the same cache directory finds a file without asking the index; a
// hash the cached page lacks makes it fetch the page again, and a file added since is found.
func TestCache(t *testing.T) {
	root := t.TempDir()
	page := filepath.Join(root, "simple/flask/index.html")
	if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(links ...string) {
		if err := os.WriteFile(page, []byte(flaskPage(links...)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wheel := `<a href="/p/` + flaskWheel + `#sha256=` + flaskSum + `">` + flaskWheel + `</a>`
	sdist := `<a href="/p/` + flaskSdist + `#sha256=` + sdistSum + `">` + flaskSdist + `</a>`
	write(wheel)
	var hits atomic.Int32
	files := http.FileServer(http.Dir(root))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	index := []string{srv.URL + "/simple/"}
	cache := t.TempDir()
	ctx := context.Background()

	first := &Client{CacheDir: cache}
	for range 2 {
		if _, err := first.Find(ctx, index, "flask", flaskSum); err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("one client asked the index %d times for one page, want 1", n)
	}
	second := &Client{CacheDir: cache}
	if _, err := second.Find(ctx, index, "flask", flaskSum); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("a second client with the cache asked the index (%d requests), want none", n-1)
	}

	write(wheel, sdist)
	third := &Client{CacheDir: cache}
	got, err := third.Find(ctx, index, "flask", sdistSum)
	if err != nil {
		t.Fatal(err)
	}
	if got.Filename != flaskSdist || hits.Load() != 2 {
		t.Errorf("after a new file: Find = %+v with %d requests in all, want %s fetched once more", got, hits.Load(), flaskSdist)
	}
	// The refreshed page replaced the cached one: a fourth client needs no network for the new file.
	if _, err := (&Client{CacheDir: cache}).Find(ctx, index, "flask", sdistSum); err != nil || hits.Load() != 2 {
		t.Errorf("the refreshed page was not cached: err %v, %d requests", err, hits.Load())
	}
}

func TestProjectURL(t *testing.T) {
	for _, tt := range []struct{ index, project, want string }{
		{"https://pypi.org/simple/", "Flask", "https://pypi.org/simple/flask/"},
		{"https://pypi.org/simple", "zope.interface", "https://pypi.org/simple/zope-interface/"},
		{"http://127.0.0.1:8080/simple/", "Foo__Bar", "http://127.0.0.1:8080/simple/foo-bar/"},
	} {
		if got := ProjectURL(tt.index, tt.project); got != tt.want {
			t.Errorf("ProjectURL(%q, %q) = %q, want %q", tt.index, tt.project, got, tt.want)
		}
	}
}
