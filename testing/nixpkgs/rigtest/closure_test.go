package rigtest

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostPaths are prefixes a file in a closure must not point to: in a container holding only the closure
// they do not exist, and on a host they are the host's, not the package's.
var hostPaths = []string{"/usr/lib", "/usr/bin", "/usr/share", "/lib64", "/lib/x86_64-linux-gnu", "/etc/python", "/bin/"}

// TestClosuresStayInStore scans every file of the closures of both interpreters, their flask envs and the
// applications: ELF interpreters and RPATHs, the shebangs of programs, symlinks, and the configuration
// files python reads at start (sysconfigdata, .pth, pyvenv.cfg, nix-support, scripts in bin) must stay in
// /nix/store.
func TestClosuresStayInStore(t *testing.T) {
	roots := build(t, apps)
	for _, py := range interpreters {
		roots = append(roots, buildOne(t, "testing/nixpkgs", "-A", py.attr), buildOne(t, "-E", flaskEnv(py.attr)))
	}
	paths := closure(t, roots...)
	var problems []string
	for _, p := range paths {
		problems = append(problems, scanStorePath(t, p)...)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("scanned %d store paths", len(paths))
}

func scanStorePath(t *testing.T, storePath string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	err := filepath.WalkDir(storePath, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if filepath.IsAbs(target) && !strings.HasPrefix(target, "/nix/store/") {
				add("%s: symlink to %s, outside the store", p, target)
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(data, []byte("\x7fELF")):
			problems = append(problems, scanELF(p)...)
		case bytes.HasPrefix(data, []byte("#!")) && isExecutable(d):
			// Only programs: nixpkgs too leaves the shebangs of non-executable library modules alone.
			line, _, _ := bytes.Cut(data, []byte("\n"))
			if !bytes.HasPrefix(line, []byte("#!/nix/store/")) {
				add("%s: shebang %q outside the store", p, line)
			}
			if strings.Contains(p, "/bin/") {
				problems = append(problems, scanText(p, data)...)
			}
		case isConfig(p):
			problems = append(problems, scanText(p, data)...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scanning %s: %v", storePath, err)
	}
	return problems
}

func isExecutable(d fs.DirEntry) bool {
	info, err := d.Info()
	return err == nil && info.Mode()&0o111 != 0
}

func isConfig(p string) bool {
	base := filepath.Base(p)
	return strings.HasPrefix(base, "_sysconfigdata") || strings.HasSuffix(base, ".pth") ||
		base == "pyvenv.cfg" || strings.Contains(p, "/nix-support/")
}

// scanText reports host paths in a text file, line by line.
func scanText(p string, data []byte) []string {
	var problems []string
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; s.Scan(); n++ {
		line := strings.ReplaceAll(s.Text(), "/nix/store/", "")
		for _, h := range hostPaths {
			if i := strings.Index(line, h); i >= 0 && (i == 0 || !isPathChar(line[i-1])) {
				problems = append(problems, fmt.Sprintf("%s:%d: refers to %s: %s", p, n, h, strings.TrimSpace(s.Text())))
				break
			}
		}
	}
	return problems
}

func isPathChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c == '/' || c == '+' ||
		(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// scanELF checks the program interpreter and the RPATH/RUNPATH of an ELF file.
func scanELF(p string) []string {
	f, err := elf.Open(p)
	if err != nil {
		return []string{fmt.Sprintf("%s: not a readable ELF file: %v", p, err)}
	}
	defer f.Close()
	var problems []string
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_INTERP {
			continue
		}
		buf := make([]byte, prog.Filesz)
		if _, err := prog.ReadAt(buf, 0); err != nil {
			return append(problems, fmt.Sprintf("%s: reading PT_INTERP: %v", p, err))
		}
		interp := strings.TrimRight(string(buf), "\x00")
		if !strings.HasPrefix(interp, "/nix/store/") {
			problems = append(problems, fmt.Sprintf("%s: interpreter %s outside the store", p, interp))
		}
	}
	for _, tag := range []elf.DynTag{elf.DT_RPATH, elf.DT_RUNPATH} {
		values, err := f.DynString(tag)
		if err != nil {
			continue // not dynamic
		}
		for _, v := range values {
			for _, dir := range strings.Split(v, ":") {
				if dir != "" && !strings.HasPrefix(dir, "/nix/store/") && !strings.HasPrefix(dir, "$ORIGIN") {
					problems = append(problems, fmt.Sprintf("%s: %s entry %s outside the store", p, tag, dir))
				}
			}
		}
	}
	return problems
}

// TestImagePackages builds the packages an image takes as nixpy's `packages` (bash, bashInteractive, coreutils,
// findutils, cacert, tzdata) with nixpkgs' layouts: they run from their store paths, and their closures stay
// in the store.
func TestImagePackages(t *testing.T) {
	out := map[string]string{}
	for _, attr := range []string{"bash", "bashInteractive", "coreutils", "findutils", "cacert", "tzdata"} {
		out[attr] = buildOne(t, "testing/nixpkgs", "-A", attr)
	}
	for _, attr := range []string{"bash", "bashInteractive"} {
		if got := run(t, filepath.Join(out[attr], "bin", "sh"), "-c", "echo $BASH_VERSION"); !strings.HasPrefix(got, "5.2") {
			t.Errorf("%s's bin/sh printed %q, want bash 5.2", attr, got)
		}
	}
	if got := run(t, filepath.Join(out["findutils"], "bin", "find"), out["tzdata"]+"/share/zoneinfo/Europe", "-name", "Paris"); !strings.Contains(got, "zoneinfo/Europe/Paris") {
		t.Errorf("find printed %q, want tzdata's Europe/Paris", got)
	}
	for _, rel := range []string{"share/zoneinfo/Europe/Paris", "share/zoneinfo/posix/Europe/Paris", "share/zoneinfo/right/UTC",
		"share/zoneinfo/leap-seconds.list", "nix-support/setup-hook"} {
		if _, err := os.Stat(filepath.Join(out["tzdata"], rel)); err != nil {
			t.Errorf("tzdata: %v", err)
		}
	}
	if data, err := os.ReadFile(filepath.Join(out["cacert"], "etc/ssl/certs/ca-bundle.crt")); err != nil || !bytes.HasPrefix(data, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Errorf("cacert's bundle: %v", err)
	}
	var problems []string
	for _, p := range closure(t, out["bashInteractive"], out["coreutils"], out["findutils"], out["cacert"], out["tzdata"]) {
		problems = append(problems, scanStorePath(t, p)...)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
