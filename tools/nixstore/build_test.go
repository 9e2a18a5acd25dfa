package nixstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildArgs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nixFile := write("app.nix", "{ pkgs, src }: { }", 0o644)
	nixpkgs := write("nixpkgs dir/default.nix", "{ ... }: { }", 0o644)
	config := write("config.nix", "{ allowUnfree = true; }", 0o644)
	overlay := write("overlay.nix", "final: prev: { }", 0o644)
	script := write("src/run.sh", "#!/bin/sh\n", 0o755)
	module := write("src/app.py", "print(1)\n", 0o644)

	tests := []struct {
		name    string
		build   Build
		want    []string
		notWant []string
		wantErr string
	}{
		{
			name:    "hermetic defaults",
			build:   Build{NixFile: nixFile, Attr: "app", Nixpkgs: nixpkgs, System: "x86_64-linux"},
			want:    []string{`import (/. + "` + filepath.Dir(nixpkgs) + `") { system = "x86_64-linux"; config = { }; overlays = [  ]; }`, "--no-out-link"},
			notWant: []string{"--arg src", "python"},
		},
		{
			name:  "config, overlays, interpreter",
			build: Build{NixFile: nixFile, Attr: "env", Nixpkgs: filepath.Dir(nixpkgs), System: "aarch64-linux", Config: config, Overlays: []string{overlay, overlay}, Interpreter: "python313"},
			want: []string{`config = (import (/. + "` + config + `"))`, `overlays = [ (import (/. + "` + overlay + `")) (import (/. + "` + overlay + `")) ]`,
				`}).python313`, "-A env"},
		},
		{
			name:  "a system cannot end its string",
			build: Build{NixFile: nixFile, Attr: "app", Nixpkgs: nixpkgs, System: `x"; y = ${builtins.abort "no"}`},
			want:  []string{`system = "x\"; y = \${builtins.abort \"no\"}";`},
		},
		{
			name:    "an interpreter is an attribute path",
			build:   Build{NixFile: nixFile, Attr: "app", Nixpkgs: nixpkgs, Interpreter: "python3; abort"},
			wantErr: `interpreter "python3; abort"`,
		},
		{
			name:    "a missing nixpkgs",
			build:   Build{NixFile: nixFile, Attr: "app", Nixpkgs: filepath.Join(dir, "nowhere")},
			wantErr: "nixpkgs:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, cleanup, err := tt.build.args()
			defer cleanup()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(args, " ")
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("args %q lack %q", line, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(line, w) {
					t.Errorf("args %q hold %q", line, w)
				}
			}
		})
	}

	t.Run("packages: one list, each looked up by name", func(t *testing.T) {
		b := Build{Nixpkgs: nixpkgs, System: "x86_64-linux", Packages: []string{"bashInteractive", "python3Packages.ipython"}}
		args, err := b.packagesArgs()
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Join(args, " ")
		for _, w := range []string{`config = { }; overlays = [  ]; }`, `(get "bashInteractive" [ "bashInteractive" ])`,
			`(get "python3Packages.ipython" [ "python3Packages" "ipython" ])`, "nixpkgs has no attribute ${attrPath}"} {
			if !strings.Contains(line, w) {
				t.Errorf("args %q lack %q", line, w)
			}
		}
		b.Packages = []string{`bash"; abort`}
		if _, err := b.packagesArgs(); err == nil || !strings.Contains(err.Error(), "want a nixpkgs attribute path") {
			t.Errorf("a package that is no attribute path: err = %v", err)
		}
	})

	t.Run("sources staged at their workspace paths", func(t *testing.T) {
		b := Build{NixFile: nixFile, Attr: "app", Nixpkgs: nixpkgs, SrcRoot: "apps/hello",
			Sources: []Source{{"apps/hello/run.sh", script}, {"apps/hello/app.py", module}, {"libs/common/x.py", module}}}
		args, cleanup, err := b.args()
		if err != nil {
			t.Fatal(err)
		}
		src := ""
		for i, a := range args {
			if a == "src" && i > 0 && args[i-1] == "--arg" {
				src = strings.TrimSuffix(strings.TrimPrefix(args[i+1], `(/. + "`), `")`)
			}
		}
		if filepath.Base(src) != "hello" {
			t.Fatalf("src = %q, want the staged apps/hello", src)
		}
		for rel, mode := range map[string]os.FileMode{"run.sh": 0o755, "app.py": 0o644, "../../libs/common/x.py": 0o644} {
			info, err := os.Stat(filepath.Join(src, rel))
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != mode {
				t.Errorf("%s has mode %v, want %v", rel, info.Mode().Perm(), mode)
			}
		}
		cleanup()
		if _, err := os.Stat(src); !os.IsNotExist(err) {
			t.Errorf("the staged sources outlive cleanup: %v", err)
		}
	})
}

func TestEnviron(t *testing.T) {
	if env := (Tools{Env: []string{"PATH=/bin"}}).Environ(); !hasVar(env, "NIX_REMOTE") || lookupVar(env, "NIX_REMOTE") != "daemon" {
		t.Errorf("Environ() = %q, want NIX_REMOTE=daemon added", env)
	}
	if env := (Tools{Env: []string{"NIX_REMOTE=local"}}).Environ(); lookupVar(env, "NIX_REMOTE") != "local" {
		t.Errorf("Environ() = %q, want NIX_REMOTE=local kept", env)
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nix-store"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nix"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	tools := Tools{Env: []string{"PATH=" + dir}}
	if got, err := tools.Path("nix-store"); err != nil || got != filepath.Join(dir, "nix-store") {
		t.Errorf("Path(nix-store) = %q, %v", got, err)
	}
	if _, err := tools.Path("nix-build-that-is-not-there"); err == nil || !strings.Contains(err.Error(), "install Nix") {
		t.Errorf("Path of a missing program: err = %v", err)
	}
	// A Bazel action without use_default_shell_env has no PATH: the usual places are searched.
	if got, err := (Tools{Env: []string{}}).Path("sh"); err != nil || !strings.HasSuffix(got, "/sh") {
		t.Errorf("Path(sh) with no PATH = %q, %v; want the system's sh", got, err)
	}
}
