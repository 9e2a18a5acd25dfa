package ociimage

import (
	"archive/tar"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/layertar"
)

// Symlink is a --symlink entry: Path in the image points at Target.
type Symlink struct {
	Path   string
	Target string
}

// caBundles are where nixpkgs' cacert and Debian's ca-certificates keep the bundle, in order of preference.
var caBundles = []string{"etc/ssl/certs/ca-bundle.crt", "etc/ssl/certs/ca-certificates.crt"}

// rootEntries makes the small root layer: /tmp, the passwd and group files, /usr/bin/env and the
// --symlink entries. It also returns SSL_CERT_FILE's value when the closure has a CA bundle.
func rootEntries(c *closure.Closure, diskDir, user string, writePasswd bool, links []Symlink) ([]layertar.Entry, string, error) {
	entries := []layertar.Entry{{Name: "tmp", Type: tar.TypeDir, Mode: 0o1777}}
	if writePasswd {
		passwd, group, err := passwdFiles(user)
		if err != nil {
			return nil, "", err
		}
		entries = append(entries,
			layertar.Entry{Name: "etc/passwd", Type: tar.TypeReg, Mode: 0o444, Data: []byte(passwd)},
			layertar.Entry{Name: "etc/group", Type: tar.TypeReg, Mode: 0o444, Data: []byte(group)},
		)
	}
	if env := findInClosure(c, diskDir, "bin/env", "coreutils"); env != "" {
		entries = append(entries, layertar.Entry{Name: "usr/bin/env", Type: tar.TypeSymlink, Linkname: env})
	}
	var caFile string
	for _, bundle := range caBundles {
		if caFile = findInClosure(c, diskDir, bundle, "cacert"); caFile != "" {
			break
		}
	}
	linkEntries, err := symlinkEntries(links)
	if err != nil {
		return nil, "", err
	}
	return append(entries, linkEntries...), caFile, nil
}

// symlinkEntries turns --symlink entries into layer entries.
func symlinkEntries(links []Symlink) ([]layertar.Entry, error) {
	var entries []layertar.Entry
	for _, l := range links {
		if !path.IsAbs(l.Path) || l.Target == "" {
			return nil, fmt.Errorf("--symlink %s=%s: want an absolute PATH and a TARGET", l.Path, l.Target)
		}
		entries = append(entries, layertar.Entry{Name: l.Path, Type: tar.TypeSymlink, Linkname: l.Target})
	}
	return entries, nil
}

// findInClosure returns STOREPATH/rel for the closure path that has rel on disk, preferring a path
// whose name contains prefer; the closure is sorted, so the choice is stable.
func findInClosure(c *closure.Closure, diskDir, rel, prefer string) string {
	found := ""
	for _, p := range c.Paths {
		if _, err := os.Stat(filepath.Join(diskDir, path.Base(p.Path), rel)); err != nil {
			continue
		}
		if strings.Contains(path.Base(p.Path), prefer) {
			return p.Path + "/" + rel
		}
		if found == "" {
			found = p.Path + "/" + rel
		}
	}
	return found
}

// passwdFiles writes root and nobody, plus the --user account: USER or USER:GROUP, names or numbers.
// A named user without a number gets 1000, the usual first unprivileged id.
func passwdFiles(user string) (string, string, error) {
	passwd := "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/var/empty:/bin/false\n"
	group := "root:x:0:\nnogroup:x:65534:\n"
	if user == "" {
		return passwd, group, nil
	}
	name, grp, _ := strings.Cut(user, ":")
	if name == "" || strings.ContainsAny(user, " \n\t") {
		return "", "", fmt.Errorf("--user %q: want USER or USER:GROUP", user)
	}
	if name == "root" || name == "nobody" {
		return passwd, group, nil
	}
	uid := 1000
	if n, err := strconv.Atoi(name); err == nil {
		uid, name = n, "user"
	}
	gid := uid
	grpName := name
	if grp != "" {
		if n, err := strconv.Atoi(grp); err == nil {
			gid = n
		} else {
			grpName = grp
		}
	}
	if uid == 0 || uid == 65534 {
		return passwd, group, nil
	}
	passwd += fmt.Sprintf("%s:x:%d:%d:%s:/tmp:/bin/false\n", name, uid, gid, name)
	if gid != 0 && gid != 65534 {
		group += fmt.Sprintf("%s:x:%d:\n", grpName, gid)
	}
	return passwd, group, nil
}
