// Package storetest builds fake Nix store trees for tests: store paths with files, symlinks, hard
// links, odd names and store modes under a temporary directory, and the closure.json that describes
// them with /nix/store paths.
package storetest

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/closure"
)

// StoreDir is the store directory the fake paths claim to live in.
const StoreDir = "/nix/store"

// File is one entry of a fake store path. Exactly one of Data (with Mode), Dir, Symlink or HardLink applies.
type File struct {
	Name     string
	Data     string
	Mode     fs.FileMode
	Dir      bool
	Symlink  string
	HardLink string
}

// Store is a fake store: Dir holds the trees that closure.json places under /nix/store.
type Store struct {
	Dir   string
	paths map[string]closure.Path
}

// New makes an empty fake store in a test's temporary directory.
func New(t testing.TB) *Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Store{Dir: dir, paths: map[string]closure.Path{}}
}

// Add creates the store path /nix/store/NAME with the given files and references, with the store's
// modes: directories 0555, files 0444 unless a File says otherwise. It returns the store path.
func (s *Store) Add(t testing.TB, name string, refs []string, files []File) string {
	t.Helper()
	root := filepath.Join(s.Dir, name)
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(root, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case f.Dir:
			err = os.MkdirAll(p, 0o755)
		case f.Symlink != "":
			err = os.Symlink(f.Symlink, p)
		case f.HardLink != "":
			err = os.Link(filepath.Join(root, f.HardLink), p)
		default:
			mode := f.Mode
			if mode == 0 {
				mode = 0o444
			}
			if err = os.WriteFile(p, []byte(f.Data), 0o644); err == nil {
				err = os.Chmod(p, mode)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Seal(t, name, refs)
	return StoreDir + "/" + name
}

// Seal records an already populated tree under Dir as a store path: it sets directory modes to 0555
// and computes a stand-in narHash from the tree's content.
func (s *Store) Seal(t testing.TB, name string, refs []string) {
	t.Helper()
	root := filepath.Join(s.Dir, name)
	h := sha256.New()
	var size int64
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		h.Write([]byte(rel + "\x00" + info.Mode().String() + "\x00"))
		switch {
		case d.IsDir():
			dirs = append(dirs, p)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			h.Write([]byte(target))
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
			size += int64(len(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	if refs == nil {
		refs = []string{}
	}
	p := StoreDir + "/" + name
	s.paths[p] = closure.Path{Path: p, NarHash: "sha256:" + hex.EncodeToString(h.Sum(nil)), NarSize: size, References: refs}
}

// Closure returns the closure of all paths added so far.
func (s *Store) Closure(t testing.TB) *closure.Closure {
	t.Helper()
	c := &closure.Closure{}
	for _, p := range s.paths {
		c.Paths = append(c.Paths, p)
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

// WriteClosure writes closure.json into dir and returns its path.
func (s *Store) WriteClosure(t testing.TB, dir string) string {
	t.Helper()
	file := filepath.Join(dir, "closure.json")
	if err := s.Closure(t).Write(file); err != nil {
		t.Fatal(err)
	}
	return file
}

// AddBusybox adds a store path holding the host's statically linked busybox as bin/busybox with
// links to it for a few applets (sh, echo, env, grep, ls, ...). It fails the test when busybox is missing or dynamically linked:
// the image it goes into has no libc. Debian's busybox-static package provides it.
func (s *Store) AddBusybox(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("busybox not found on PATH: install Debian's busybox-static (apt-get install busybox-static)")
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s is dynamically linked: install Debian's busybox-static", bin)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	files := []File{{Name: "bin/busybox", Data: string(data), Mode: 0o555}}
	for _, applet := range []string{"cat", "echo", "env", "grep", "id", "ls", "sh", "true"} {
		files = append(files, File{Name: "bin/" + applet, Symlink: "busybox"})
	}
	return s.Add(t, name, nil, files)
}
