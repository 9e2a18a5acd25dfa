package layertar

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nixpy/rules_nixpy/tools/storetest"
)

var longName = strings.Repeat("long-directory-name/", 6) + "file-with-a-name-past-the-ustar-limit.py"

func fixture(t *testing.T) (*storetest.Store, []string) {
	s := storetest.New(t)
	lib := s.Add(t, "aaaa-lib", nil, []storetest.File{
		{Name: "lib/libx.so", Data: "ELF pretend", Mode: 0o555},
		{Name: "lib/libx.so.1", Symlink: "libx.so"},
		{Name: "share/empty", Dir: true},
	})
	app := s.Add(t, "bbbb-app", []string{lib}, []storetest.File{
		{Name: "bin/app", Data: "#!/bin/sh\necho hi\n", Mode: 0o555},
		{Name: "bin/app-linked", HardLink: "bin/app"},
		{Name: "bin/app-copy", Data: "#!/bin/sh\necho hi\n", Mode: 0o555},
		{Name: "lib/abs", Symlink: lib + "/lib/libx.so"},
		{Name: "share/" + longName, Data: "long"},
		{Name: "share/naïve-日本語.txt", Data: "unicode"},
		{Name: "share/empty.txt", Data: ""},
		{Name: "share/also-empty.txt", Data: ""},
		{Name: "share/same-size-1", Data: "abc"},
		{Name: "share/same-size-2", Data: "xyz"},
	})
	return s, []string{lib, app}
}

func layerOf(s *storetest.Store, paths []string, extra []Entry) Layer {
	return Layer{StoreDir: storetest.StoreDir, DiskDir: s.Dir, Paths: paths, Extra: extra}
}

func readTar(t *testing.T, data []byte) []*tar.Header {
	t.Helper()
	var hs []*tar.Header
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs
		}
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
}

func TestWriteEntries(t *testing.T) {
	s, paths := fixture(t)
	created := time.Unix(1700000000, 5e8)
	var buf bytes.Buffer
	extra := []Entry{
		{Name: "tmp", Type: tar.TypeDir, Mode: 0o1777},
		{Name: "etc/passwd", Type: tar.TypeReg, Mode: 0o444, Data: []byte("root:x:0:0::/root:/bin/sh\n")},
		{Name: "usr/bin/env", Type: tar.TypeSymlink, Linkname: paths[0] + "/bin/env"},
	}
	if err := Write(&buf, layerOf(s, paths, extra), Options{ModTime: created}); err != nil {
		t.Fatal(err)
	}
	type want struct {
		typ      byte
		mode     int64
		linkname string
	}
	wants := map[string]want{
		"etc/":                                    {tar.TypeDir, 0o755, ""},
		"etc/passwd":                              {tar.TypeReg, 0o444, ""},
		"nix/":                                    {tar.TypeDir, 0o755, ""},
		"nix/store/":                              {tar.TypeDir, 0o755, ""},
		"nix/store/aaaa-lib/":                     {tar.TypeDir, 0o555, ""},
		"nix/store/aaaa-lib/lib/libx.so.1":        {tar.TypeSymlink, 0o777, "libx.so"},
		"nix/store/aaaa-lib/lib/libx.so":          {tar.TypeReg, 0o555, ""},
		"nix/store/aaaa-lib/share/empty/":         {tar.TypeDir, 0o555, ""},
		"nix/store/bbbb-app/bin/app":              {tar.TypeReg, 0o555, ""},
		"nix/store/bbbb-app/bin/app-copy":         {tar.TypeLink, 0o555, "nix/store/bbbb-app/bin/app"},
		"nix/store/bbbb-app/bin/app-linked":       {tar.TypeLink, 0o555, "nix/store/bbbb-app/bin/app"},
		"nix/store/bbbb-app/lib/abs":              {tar.TypeSymlink, 0o777, paths[0] + "/lib/libx.so"},
		"nix/store/bbbb-app/share/" + longName:    {tar.TypeReg, 0o444, ""},
		"nix/store/bbbb-app/share/naïve-日本語.txt":  {tar.TypeReg, 0o444, ""},
		"nix/store/bbbb-app/share/empty.txt":      {tar.TypeReg, 0o444, ""},
		"nix/store/bbbb-app/share/also-empty.txt": {tar.TypeReg, 0o444, ""},
		"nix/store/bbbb-app/share/same-size-1":    {tar.TypeReg, 0o444, ""},
		"nix/store/bbbb-app/share/same-size-2":    {tar.TypeReg, 0o444, ""},
		"tmp/":                                    {tar.TypeDir, 0o1777, ""},
		"usr/":                                    {tar.TypeDir, 0o755, ""},
		"usr/bin/":                                {tar.TypeDir, 0o755, ""},
		"usr/bin/env":                             {tar.TypeSymlink, 0o777, paths[0] + "/bin/env"},
	}
	var names []string
	for _, h := range readTar(t, buf.Bytes()) {
		names = append(names, h.Name)
		if !h.ModTime.Equal(time.Unix(1700000000, 0)) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: host metadata leaked: mtime %v uid %d gid %d uname %q gname %q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		w, ok := wants[h.Name]
		if !ok {
			continue
		}
		if h.Typeflag != w.typ || h.Mode != w.mode || h.Linkname != w.linkname {
			t.Errorf("%s: type %q mode %o link %q, want type %q mode %o link %q", h.Name, h.Typeflag, h.Mode, h.Linkname, w.typ, w.mode, w.linkname)
		}
		delete(wants, h.Name)
	}
	for name := range wants {
		t.Errorf("missing entry %s in %v", name, names)
	}
	for i := 1; i < len(names); i++ {
		if !treeLess(strings.TrimSuffix(names[i-1], "/"), strings.TrimSuffix(names[i], "/")) {
			t.Errorf("entries out of order: %s before %s", names[i-1], names[i])
		}
	}
}

// TestHardLinksFollowContent checks that a store whose identical files share an inode (an optimised
// store) and one where they do not give the same layer.
func TestHardLinksFollowContent(t *testing.T) {
	build := func(linked bool) []byte {
		s := storetest.New(t)
		second := storetest.File{Name: "b", Data: "same content", Mode: 0o444}
		if linked {
			second = storetest.File{Name: "b", HardLink: "a"}
		}
		p := s.Add(t, "cccc-x", nil, []storetest.File{{Name: "a", Data: "same content", Mode: 0o444}, second})
		var buf bytes.Buffer
		if err := Write(&buf, layerOf(s, []string{p}, nil), Options{}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if !bytes.Equal(build(true), build(false)) {
		t.Error("hard-linked and copied files give different layers")
	}
}

func TestDeterministicAndExtractable(t *testing.T) {
	s, paths := fixture(t)
	var blobs [2]bytes.Buffer
	var sums [2]Blob
	for i := range blobs {
		var err error
		sums[i], err = WriteGzip(&blobs[i], layerOf(s, paths, nil), Options{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(blobs[0].Bytes(), blobs[1].Bytes()) || sums[0] != sums[1] {
		t.Fatal("two writes of one layer differ")
	}
	if sums[0].Size != int64(blobs[0].Len()) {
		t.Errorf("size %d, wrote %d bytes", sums[0].Size, blobs[0].Len())
	}
	// GNU tar must read it back: the layer is a plain gzip tar to other tools too.
	out := t.TempDir()
	blob := filepath.Join(t.TempDir(), "layer.tar.gz")
	if err := os.WriteFile(blob, blobs[0].Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("tar", "-xzf", blob, "-C", out).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v: %s", err, msg)
	}
	for _, name := range []string{"share/" + longName, "share/naïve-日本語.txt", "bin/app-copy"} {
		if _, err := os.Stat(filepath.Join(out, "nix/store/bbbb-app", name)); err != nil {
			t.Errorf("extracted layer lacks %s: %v", name, err)
		}
	}
	if target, err := os.Readlink(filepath.Join(out, "nix/store/aaaa-lib/lib/libx.so.1")); err != nil || target != "libx.so" {
		t.Errorf("symlink = %q, %v", target, err)
	}
}

func TestWriteErrors(t *testing.T) {
	s, paths := fixture(t)
	tests := []struct {
		name    string
		layer   Layer
		wantErr string
	}{
		{"missing store path", layerOf(s, []string{"/nix/store/dddd-gone"}, nil), "store path missing on disk"},
		{"other store dir", layerOf(s, []string{"/gnu/store/x"}, nil), "not in the store directory"},
		{"duplicate entry", layerOf(s, nil, []Entry{{Name: "a", Type: tar.TypeReg}, {Name: "/a", Type: tar.TypeSymlink}}), "two entries named /a"},
		{"file under a file", layerOf(s, nil, []Entry{{Name: "a", Type: tar.TypeReg}, {Name: "a/b", Type: tar.TypeReg}}), "needs /a to be a directory"},
		{"entry inside a store path", layerOf(s, paths, []Entry{{Name: "nix/store/aaaa-lib/x", Type: tar.TypeReg}}), "inside store path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(io.Discard, tt.layer, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkWriteGzip writes a 24 MB store path, half random bytes and half source text, as a
// compressed layer; -benchtime and the MB/s column give the layer-writing throughput.
func BenchmarkWriteGzip(b *testing.B) {
	s := storetest.New(b)
	rng := rand.NewChaCha8([32]byte{7})
	var files []storetest.File
	var total int64
	for i := range 96 {
		random := make([]byte, 128<<10+i*1024)
		rng.Read(random)
		text := strings.Repeat(fmt.Sprintf("def f%d(x):\n    return x * %d\n", i, i), 4000+i*10)
		files = append(files,
			storetest.File{Name: fmt.Sprintf("lib/lib%d.so", i), Data: string(random)},
			storetest.File{Name: fmt.Sprintf("share/m%d/f%d.py", i%7, i), Data: text},
		)
		total += int64(len(random) + len(text))
	}
	p := s.Add(b, "eeee-bench", nil, files)
	l := layerOf(s, []string{p}, nil)
	b.SetBytes(total)
	var size int64
	for b.Loop() {
		blob, err := WriteGzip(io.Discard, l, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = blob.Size
	}
	b.ReportMetric(float64(size)/float64(total), "compressed/raw")
}

// BenchmarkWrite is the tar stage alone, for comparison with BenchmarkWriteGzip.
func BenchmarkWrite(b *testing.B) {
	s := storetest.New(b)
	rng := rand.NewChaCha8([32]byte{7})
	var files []storetest.File
	var total int64
	for i := range 96 {
		random := make([]byte, 256<<10)
		rng.Read(random)
		files = append(files, storetest.File{Name: fmt.Sprintf("lib/lib%d.so", i), Data: string(random)})
		total += int64(len(random))
	}
	p := s.Add(b, "eeee-bench", nil, files)
	l := layerOf(s, []string{p}, nil)
	b.SetBytes(total)
	for b.Loop() {
		if err := Write(io.Discard, l, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
