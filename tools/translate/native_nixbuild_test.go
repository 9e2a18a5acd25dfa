//go:build nix

package translate

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nixBuildNative translates examples/native_app (lock mode: the greenlet and mappy binary wheels of
// testing/wheels), passes the generated text through edit, and nix-builds attr against testing/nixpkgs.
func nixBuildNative(t *testing.T, attr string, edit func([]byte) []byte) (string, string, error) {
	t.Helper()
	nixInstantiate(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "examples", "native_app")
	py := readInput(t, filepath.Join(dir, "pyproject.toml"))
	lock := readInput(t, filepath.Join(dir, "uv.lock"))
	out, err := Translate(py, &lock, Options{Mode: "lock", Python: "3.11", System: "x86_64-linux"})
	if err != nil {
		t.Fatal(err)
	}
	return nixBuild(t, edit(out), attr, dir)
}

// TestNixBuildBinaryWheels: the generated Nix patches greenlet (libstdc++) and mappy (zlib) so that the
// application imports and uses both; the same expression without the patching fails greenlet's build at
// its import check, not at run time.
func TestNixBuildBinaryWheels(t *testing.T) {
	env, stderr, err := nixBuildNative(t, "env", func(b []byte) []byte { return b })
	if err != nil {
		t.Fatalf("nix-build env: %v\n%s", err, stderr)
	}
	got, err := exec.Command(filepath.Join(env, "bin", "python3"), "-c",
		"import json, native_app; a = native_app.answer(); print(a['greenlet'], a['revcomp'])").CombinedOutput()
	if err != nil {
		t.Fatalf("native_app.answer(): %v\n%s", err, got)
	}
	if want := "2.0.2 TGTAATC"; strings.TrimSpace(string(got)) != want {
		t.Errorf("native_app.answer() gave %q, want %q", got, want)
	}

	patching := []string{
		"nativeBuildInputs = [ pkgs.autoPatchelfHook ];",
		"buildInputs = pkgs.pythonManylinuxPackages.manylinux2014;",
		"dontStrip = true;",
	}
	unpatched := func(b []byte) []byte {
		for _, line := range patching {
			if !bytes.Contains(b, []byte(line)) {
				t.Fatalf("the generated Nix lacks %q", line)
			}
			b = bytes.ReplaceAll(b, []byte(line), nil)
		}
		return b
	}
	out, stderr, err := nixBuildNative(t, "deps.greenlet", unpatched)
	if err == nil {
		t.Fatalf("greenlet without autoPatchelfHook built (%s), want the import check to fail", out)
	}
	if !strings.Contains(stderr, "pythonImportsCheckPhase") || !strings.Contains(stderr, "libstdc++.so.6: cannot open shared object file") {
		t.Errorf("greenlet without autoPatchelfHook: want the import check to fail on libstdc++.so.6:\n%s", stderr)
	}
}
