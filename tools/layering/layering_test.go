package layering

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/closure"
)

var update = flag.Bool("update", false, "rewrite golden files")

// flaskClosure is shaped like a small flask app: glibc under everything, python and its libraries,
// a few pure-Python packages, an environment and the app on top.
func flaskClosure(t *testing.T) *closure.Closure {
	t.Helper()
	const s = "/nix/store/"
	type p struct {
		name string
		size int64
		refs []string
	}
	paths := []p{
		{"g-glibc-2.40", 30 << 20, nil},
		{"z-zlib-1.3", 200 << 10, []string{"g-glibc-2.40"}},
		{"o-openssl-3.0", 6 << 20, []string{"g-glibc-2.40"}},
		{"f-libffi-3.4", 100 << 10, []string{"g-glibc-2.40"}},
		{"c-cacert-3.95", 500 << 10, nil},
		{"p-python3-3.12", 110 << 20, []string{"g-glibc-2.40", "z-zlib-1.3", "o-openssl-3.0", "f-libffi-3.4", "c-cacert-3.95"}},
		{"m-markupsafe-2.1", 80 << 10, []string{"p-python3-3.12", "g-glibc-2.40"}},
		{"j-jinja2-3.1", 1 << 20, []string{"p-python3-3.12", "m-markupsafe-2.1"}},
		{"w-werkzeug-3.0", 2 << 20, []string{"p-python3-3.12"}},
		{"k-click-8.1", 600 << 10, []string{"p-python3-3.12"}},
		{"i-itsdangerous-2.1", 90 << 10, []string{"p-python3-3.12"}},
		{"b-blinker-1.7", 40 << 10, []string{"p-python3-3.12"}},
		{"l-flask-3.0", 700 << 10, []string{"p-python3-3.12", "j-jinja2-3.1", "w-werkzeug-3.0", "k-click-8.1", "i-itsdangerous-2.1", "b-blinker-1.7"}},
		{"e-python3-env", 20 << 10, []string{"p-python3-3.12", "l-flask-3.0"}},
		{"a-app-0.1", 30 << 10, []string{"e-python3-env", "p-python3-3.12"}},
	}
	c := &closure.Closure{}
	for _, x := range paths {
		refs := []string{}
		for _, r := range x.refs {
			refs = append(refs, s+r)
		}
		c.Paths = append(c.Paths, closure.Path{Path: s + x.name, NarHash: "sha256-" + x.name, NarSize: x.size, References: refs})
	}
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	c, err = closure.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNew(t *testing.T) {
	c := flaskClosure(t)
	const top = "/nix/store/a-app-0.1"
	for _, n := range []int{1, 2, 3, 5, 8, 14, 30} {
		t.Run(fmt.Sprintf("max %d store layers", n), func(t *testing.T) {
			plan, err := New(c, top, n)
			if err != nil {
				t.Fatal(err)
			}
			store := plan.Layers[:len(plan.Layers)-1]
			if len(store) > n {
				t.Errorf("%d store layers, want at most %d", len(store), n)
			}
			last := plan.Layers[len(plan.Layers)-1]
			if !last.Top || !reflect.DeepEqual(last.Paths(), []string{top}) {
				t.Errorf("top layer = %+v, want %s alone", last, top)
			}
			seen := map[string]int{}
			for i, l := range plan.Layers {
				for _, p := range l.Paths() {
					if prev, ok := seen[p]; ok {
						t.Errorf("%s in layers %d and %d", p, prev, i)
					}
					seen[p] = i
				}
			}
			if len(seen) != len(c.Paths) {
				t.Errorf("plan holds %d paths, closure has %d", len(seen), len(c.Paths))
			}
			// glibc is needed by every path: it is in the bottom layer.
			if seen["/nix/store/g-glibc-2.40"] != 0 {
				t.Errorf("glibc in layer %d, want 0", seen["/nix/store/g-glibc-2.40"])
			}
			if n >= 3 && len(plan.Layers[seen["/nix/store/p-python3-3.12"]].Entries) != 1 {
				t.Errorf("python shares its layer with smaller paths although there is room")
			}
			again, _ := New(c, top, n)
			if !reflect.DeepEqual(plan, again) {
				t.Error("two plans of one closure differ")
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	c := flaskClosure(t)
	if _, err := New(c, "/nix/store/x-missing", 4); err == nil {
		t.Error("top path outside the closure accepted")
	}
	if _, err := New(c, "/nix/store/a-app-0.1", 0); err == nil {
		t.Error("zero store layers accepted for a closure with more than the top path")
	}
}

func TestPartitionBalances(t *testing.T) {
	var entries []Entry
	for i := range 12 {
		entries = append(entries, Entry{Path: fmt.Sprint(i), Size: 10})
	}
	groups := partition(entries, 4)
	if len(groups) != 4 {
		t.Fatalf("%d groups, want 4", len(groups))
	}
	for _, g := range groups {
		if len(g) != 3 {
			t.Errorf("group of %d, want 3", len(g))
		}
	}
}

func TestExplainGolden(t *testing.T) {
	plan, err := New(flaskClosure(t), "/nix/store/a-app-0.1", 5)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := plan.Explain(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "explain.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("explain output differs from %s (go test -update to rewrite):\n%s", golden, buf.String())
	}
}

func TestHumanSize(t *testing.T) {
	tests := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536 << 10: "1.5 MiB", 3 << 30: "3.0 GiB"}
	for n, want := range tests {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestNewWithPackages: the packages' own paths go together into one layer just below the top path's, and
// every layer below it is the one the image without packages has.
func TestNewWithPackages(t *testing.T) {
	plain := flaskClosure(t)
	full := &closure.Closure{Paths: append([]closure.Path(nil), plain.Paths...)}
	const s = "/nix/store/"
	full.Paths = append(full.Paths,
		closure.Path{Path: s + "x-bash-interactive-5.2", NarHash: "sha256-x", NarSize: 1 << 20, References: []string{s + "g-glibc-2.40"}},
		closure.Path{Path: s + "y-coreutils-9.5", NarHash: "sha256-y", NarSize: 8 << 20, References: []string{s + "g-glibc-2.40"}},
	)
	data, err := full.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if full, err = closure.Parse(data); err != nil {
		t.Fatal(err)
	}
	top := s + "a-app-0.1"
	pkgs := []string{s + "x-bash-interactive-5.2", s + "y-coreutils-9.5", s + "c-cacert-3.95"}
	without, err := New(plain, top, 8)
	if err != nil {
		t.Fatal(err)
	}
	with, err := NewWithPackages(full, top, 8, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	n := len(with.Layers)
	if n != len(without.Layers)+1 || with.Total != len(full.Paths) {
		t.Fatalf("%d layers with packages, %d without: want one more", n, len(without.Layers))
	}
	for i, l := range without.Layers[:len(without.Layers)-1] {
		if !reflect.DeepEqual(with.Layers[i].Paths(), l.Paths()) {
			t.Errorf("layer %d: %v with packages, %v without", i, with.Layers[i].Paths(), l.Paths())
		}
	}
	// cacert is the interpreter's too: only bash and coreutils are the packages' own.
	if got, want := with.Layers[n-2].Paths(), pkgs[:2]; !reflect.DeepEqual(got, want) {
		t.Errorf("the packages' layer holds %v, want %v", got, want)
	}
	if !with.Layers[n-1].Top {
		t.Error("the top path's layer is not last")
	}
	// No layer to spare: planned with the rest.
	tight, err := NewWithPackages(full, top, 1, pkgs)
	if err != nil || len(tight.Layers) != 2 {
		t.Fatalf("one store layer: %v, %v", tight, err)
	}
	if _, err := NewWithPackages(full, top, 8, []string{s + "n-nowhere"}); err == nil {
		t.Error("a package not in the closure is not an error")
	}
}

// syntheticClosure is n small packages on glibc and python under one app, each package needing up to
// deps earlier packages (picked deterministically), as a large Python environment is.
func syntheticClosure(b *testing.B, n, deps int) *closure.Closure {
	b.Helper()
	const s = "/nix/store/"
	name := func(i int) string { return fmt.Sprintf("%s%032d-python3.12-pkg%d-1.0", s, i, i) }
	glibc, python, top := s+"g-glibc-2.40", s+"p-python3-3.12", s+"z-app-0.1"
	c := &closure.Closure{Paths: []closure.Path{
		{Path: glibc, NarHash: "sha256:g", NarSize: 30 << 20, References: []string{glibc}},
		{Path: python, NarHash: "sha256:p", NarSize: 110 << 20, References: []string{glibc, python}},
	}}
	all := []string{glibc, python}
	for i := range n {
		refs := []string{glibc, python, name(i)}
		for d := 1; d <= deps && i > 0; d++ {
			refs = append(refs, name((i*7919+d*104729)%i))
		}
		c.Paths = append(c.Paths, closure.Path{Path: name(i), NarHash: "sha256:x", NarSize: int64(10<<10 + i%1000*100), References: refs})
		all = append(all, name(i))
	}
	c.Paths = append(c.Paths, closure.Path{Path: top, NarHash: "sha256:t", NarSize: 1 << 20, References: all})
	data, err := c.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	if c, err = closure.Parse(data); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkNew plans closures of 10 to 10,000 paths: the time per path must stay flat when the
// packages need only glibc and python, and grows only with the size of each path's own closure when
// they need each other.
func BenchmarkNew(b *testing.B) {
	for _, deps := range []int{0, 2} {
		for _, n := range []int{10, 1000, 10000} {
			b.Run(fmt.Sprintf("paths=%d/deps=%d", n, deps), func(b *testing.B) {
				c := syntheticClosure(b, n, deps)
				top := c.Paths[len(c.Paths)-1].Path
				for b.Loop() {
					if _, err := New(c, top, 11); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/path")
			})
		}
	}
}
