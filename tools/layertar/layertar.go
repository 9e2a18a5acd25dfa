// Package layertar writes image layers as deterministic tar streams: the same store paths give the
// same bytes on any machine. Entries are in a fixed order (depth first, names sorted byte-wise within
// a directory), every entry has the same mtime, uid and gid 0 and no user or group names, only the
// mode bits of the store are kept, and a file whose content an earlier file of the layer already has
// becomes a hard link to it. Files are streamed from disk: memory grows with the number of files
// in a layer, never with their size.
package layertar

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry is a file, directory or symlink that does not come from the store, such as /etc/passwd.
type Entry struct {
	// Name is the path in the image without a leading slash, e.g. "etc/passwd".
	Name string
	// Type is tar.TypeReg, tar.TypeDir or tar.TypeSymlink.
	Type     byte
	Mode     int64
	Linkname string
	Data     []byte
}

// Layer is what goes into one layer: store paths read from disk and extra entries.
type Layer struct {
	// StoreDir is the store directory in the image, e.g. /nix/store.
	StoreDir string
	// DiskDir is where the store paths are read from; usually StoreDir itself.
	DiskDir string
	// Paths are store paths under StoreDir.
	Paths []string
	Extra []Entry
}

// Options are the settings that change a layer's bytes; layer caches key on them.
type Options struct {
	// ModTime is the mtime of every entry, truncated to seconds.
	ModTime time.Time
	// GzipLevel is the compression level of compressed layers; 0 means DefaultGzipLevel.
	GzipLevel int
}

// parentMode is the mode of directories the layer needs but nothing else describes,
// such as /nix and /nix/store: every layer writes them alike so layer order never matters.
const parentMode = 0o755

// item is one top-level unit of the stream, kept in sorted order: a single extra entry or a whole
// store path.
type item struct {
	name      string
	extra     *Entry
	storePath string
}

// Write writes the layer's tar stream to w.
func Write(w io.Writer, l Layer, opts Options) error {
	items, err := l.items()
	if err != nil {
		return err
	}
	lw := &writer{
		tw:      tar.NewWriter(w),
		modTime: opts.ModTime.UTC().Truncate(time.Second),
		seed:    maphash.MakeSeed(),
		buf:     make([]byte, 256<<10),
		bySize:  map[int64][]written{},
	}
	for _, it := range items {
		if it.extra != nil {
			err = lw.writeExtra(*it.extra)
		} else {
			err = lw.writeStorePath(it.name, filepath.Join(l.DiskDir, path.Base(it.storePath)))
		}
		if err != nil {
			return err
		}
	}
	if err := lw.tw.Close(); err != nil {
		return fmt.Errorf("finishing layer tar: %w", err)
	}
	return nil
}

func (l Layer) items() ([]item, error) {
	byName := map[string]item{}
	storeDir := strings.Trim(path.Clean("/"+l.StoreDir), "/")
	for _, p := range l.Paths {
		if path.Dir(p) != "/"+storeDir {
			return nil, fmt.Errorf("%s is not in the store directory /%s", p, storeDir)
		}
		name := storeDir + "/" + path.Base(p)
		if _, ok := byName[name]; ok {
			return nil, fmt.Errorf("layer has store path %s twice", p)
		}
		byName[name] = item{name: name, storePath: p}
	}
	// Explicit entries before implied parent directories, so their modes win.
	var implied []string
	for _, e := range l.Extra {
		e.Name = strings.Trim(path.Clean("/"+e.Name), "/")
		if e.Name == "" {
			return nil, errors.New("layer entry with an empty name")
		}
		if _, ok := byName[e.Name]; ok {
			return nil, fmt.Errorf("layer has two entries named /%s", e.Name)
		}
		byName[e.Name] = item{name: e.Name, extra: &e}
		implied = append(implied, e.Name)
	}
	for name := range byName {
		implied = append(implied, name)
	}
	for _, name := range implied {
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			prev, ok := byName[dir]
			switch {
			case !ok:
				byName[dir] = item{name: dir, extra: &Entry{Name: dir, Type: tar.TypeDir, Mode: parentMode}}
			case prev.extra == nil:
				// An entry inside a store path would have to be spliced into the walk of that path.
				return nil, fmt.Errorf("/%s lies inside store path %s", name, prev.storePath)
			case prev.extra.Type != tar.TypeDir:
				return nil, fmt.Errorf("/%s needs /%s to be a directory", name, dir)
			}
		}
	}
	items := make([]item, 0, len(byName))
	for _, it := range byName {
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool { return treeLess(items[i].name, items[j].name) })
	return items, nil
}

// treeLess orders names depth first with siblings sorted byte-wise, as a sorted directory walk does:
// "a/b" comes right after "a", before "a-c".
func treeLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// written is a regular file already in the layer, for turning identical content into a hard link.
type written struct {
	name string
	file string
	sum  uint64
}

type writer struct {
	tw      *tar.Writer
	modTime time.Time
	// seed keys the content hashes of one layer; maphash is fast, and a match is confirmed byte
	// by byte, so its collisions cost a comparison, never a wrong link.
	seed maphash.Seed
	buf  []byte
	// bySize holds the regular files written so far by size, so only a file whose size was seen
	// before needs hashing ahead of writing.
	bySize map[int64][]written
}

func (lw *writer) header(name string, typ byte, mode int64) *tar.Header {
	return &tar.Header{Name: name, Typeflag: typ, Mode: mode, ModTime: lw.modTime}
}

func (lw *writer) writeExtra(e Entry) error {
	switch e.Type {
	case tar.TypeDir:
		return lw.writeHeader(lw.header(e.Name+"/", tar.TypeDir, e.Mode))
	case tar.TypeSymlink:
		h := lw.header(e.Name, tar.TypeSymlink, 0o777)
		h.Linkname = e.Linkname
		return lw.writeHeader(h)
	case tar.TypeReg:
		h := lw.header(e.Name, tar.TypeReg, e.Mode)
		h.Size = int64(len(e.Data))
		if err := lw.writeHeader(h); err != nil {
			return err
		}
		if _, err := lw.tw.Write(e.Data); err != nil {
			return fmt.Errorf("writing /%s: %w", e.Name, err)
		}
		return nil
	default:
		return fmt.Errorf("/%s: unsupported entry type %q", e.Name, e.Type)
	}
}

func (lw *writer) writeHeader(h *tar.Header) error {
	if err := lw.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("writing tar header of /%s: %w", h.Name, err)
	}
	return nil
}

// writeStorePath writes the tree at disk under the tar name root.
func (lw *writer) writeStorePath(root, disk string) error {
	if _, err := os.Lstat(disk); err != nil {
		return fmt.Errorf("store path missing on disk: %w", err)
	}
	return filepath.WalkDir(disk, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading store path: %w", err)
		}
		rel, err := filepath.Rel(disk, file)
		if err != nil {
			return err
		}
		name := root
		if rel != "." {
			name = root + "/" + filepath.ToSlash(rel)
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("reading store path: %w", err)
		}
		mode := modeBits(info.Mode())
		switch {
		case info.Mode().IsDir():
			return lw.writeHeader(lw.header(name+"/", tar.TypeDir, mode))
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(file)
			if err != nil {
				return fmt.Errorf("reading store path: %w", err)
			}
			h := lw.header(name, tar.TypeSymlink, 0o777)
			h.Linkname = target
			return lw.writeHeader(h)
		case info.Mode().IsRegular():
			return lw.writeFile(name, file, info.Size(), mode)
		default:
			return fmt.Errorf("%s: unsupported file type %s in a store path", file, info.Mode().Type())
		}
	})
}

// writeFile writes a regular file, or a hard link to an earlier file of the layer with the same
// content. The link is decided by content, not by inode: Nix's NAR format has no hard links, and an
// optimised store shares inodes where another store does not, so linking by inode would make the
// layer depend on the host.
func (lw *writer) writeFile(name, file string, size, mode int64) error {
	earlier := lw.bySize[size]
	if size > 0 && len(earlier) > 0 {
		sum, err := lw.hashFile(file, size)
		if err != nil {
			return err
		}
		for _, w := range earlier {
			if w.sum != sum {
				continue
			}
			same, err := sameContent(w.file, file, size)
			if err != nil {
				return err
			}
			if same {
				h := lw.header(name, tar.TypeLink, mode)
				h.Linkname = w.name
				return lw.writeHeader(h)
			}
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("reading store path: %w", err)
	}
	defer f.Close()
	h := lw.header(name, tar.TypeReg, mode)
	h.Size = size
	if err := lw.writeHeader(h); err != nil {
		return err
	}
	var hash maphash.Hash
	hash.SetSeed(lw.seed)
	if n, err := io.CopyBuffer(io.MultiWriter(lw.tw, &hash), io.LimitReader(f, size), lw.buf); err != nil || n != size {
		return fmt.Errorf("copying %s into the layer (%d of %d bytes): %v", file, n, size, err)
	}
	if size > 0 {
		lw.bySize[size] = append(earlier, written{name: name, file: file, sum: hash.Sum64()})
	}
	return nil
}

func (lw *writer) hashFile(file string, size int64) (uint64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, fmt.Errorf("reading store path: %w", err)
	}
	defer f.Close()
	var h maphash.Hash
	h.SetSeed(lw.seed)
	if _, err := io.CopyBuffer(&h, io.LimitReader(f, size), lw.buf); err != nil {
		return 0, fmt.Errorf("hashing %s: %w", file, err)
	}
	return h.Sum64(), nil
}

// sameContent compares the first size bytes of two files.
func sameContent(a, b string, size int64) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, fmt.Errorf("reading store path: %w", err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, fmt.Errorf("reading store path: %w", err)
	}
	defer fb.Close()
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	for size > 0 {
		n := int64(len(bufA))
		if size < n {
			n = size
		}
		if _, err := io.ReadFull(fa, bufA[:n]); err != nil {
			return false, fmt.Errorf("reading %s: %w", a, err)
		}
		if _, err := io.ReadFull(fb, bufB[:n]); err != nil {
			return false, fmt.Errorf("reading %s: %w", b, err)
		}
		if !bytes.Equal(bufA[:n], bufB[:n]) {
			return false, nil
		}
		size -= n
	}
	return true, nil
}

// modeBits keeps the permission, setuid, setgid and sticky bits in tar's encoding.
func modeBits(m fs.FileMode) int64 {
	bits := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	return bits
}
