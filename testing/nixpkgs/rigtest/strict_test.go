package rigtest

import (
	"path/filepath"
	"strings"
	"testing"
)

// strictBuild builds an attribute of testdata/strict.nix and returns its output path.
func strictBuild(t *testing.T, attr string) string {
	t.Helper()
	return buildOne(t, "testing/nixpkgs/testdata/strict.nix", "-A", attr, "--option", "substituters", "")
}

// strictFailure builds an attribute of testdata/strict.nix that must fail and returns the build's log.
func strictFailure(t *testing.T, attr string) string {
	t.Helper()
	needNix(t)
	out, stderr, err := try(t, "nix-build", "--no-out-link", "testing/nixpkgs/testdata/strict.nix", "-A", attr, "--option", "substituters", "")
	if err == nil {
		t.Fatalf("%s built (%s), want a failure", attr, strings.TrimSpace(out))
	}
	return stderr
}

// TestBinaryWheels: wheels whose extension modules name libstdc++ and zlib without saying where they are
// (as PyPI's manylinux wheels) import once autoPatchelfHook has resolved them against
// pythonManylinuxPackages.manylinux2014, which stdenv.cc.cc.lib, zlib and glibc make up.
func TestBinaryWheels(t *testing.T) {
	for _, c := range []struct{ attr, module, lib string }{
		{"greenlet", "greenlet/_greenlet.cpython-311-x86_64-linux-gnu.so", "gcc-lib-"},
		{"mappy", "mappy.cpython-311-x86_64-linux-gnu.so", "zlib-"},
	} {
		t.Run(c.attr, func(t *testing.T) {
			out := strictBuild(t, c.attr)
			so := filepath.Join(out, "lib", "python3.11", "site-packages", c.module)
			rpath := strings.TrimSpace(run(t, "patchelf", "--print-rpath", so))
			dirs := strings.Split(rpath, ":")
			if len(dirs) != 1 || !strings.HasPrefix(dirs[0], "/nix/store/") || !strings.Contains(dirs[0], c.lib) {
				t.Errorf("%s: RPATH %q, want the one store directory of %s", so, rpath, c.lib)
			}
			found := false
			for _, p := range closure(t, out) {
				found = found || strings.Contains(p, c.lib)
			}
			if !found {
				t.Errorf("%s's closure lacks %s", out, c.lib)
			}
		})
	}
	// The wheel as published carries no RPATH: the patching is autoPatchelfHook's.
	src := strings.Trim(strings.TrimSpace(run(t, "nix-instantiate", "--eval", "-E", "(import ./testing/nixpkgs { }).python311.pkgs.mappy.src")), `"`)
	so := filepath.Join(t.TempDir(), "mappy.so")
	run(t, "sh", "-c", "unzip -p \"$1\" mappy.cpython-311-x86_64-linux-gnu.so >\"$2\"", "sh", src, so)
	if rpath := strings.TrimSpace(run(t, "patchelf", "--print-rpath", so)); rpath != "" {
		t.Errorf("the published mappy wheel's extension module has RPATH %q, want none (as PyPI's)", rpath)
	}
}

// TestBinaryWheelUnpatched: the same greenlet wheel installed without autoPatchelfHook fails its import
// check; with autoPatchelfHook but no libraries, autoPatchelf fails naming what it could not resolve, as
// nixpkgs' does, unless autoPatchelfIgnoreMissingDeps lists it.
func TestBinaryWheelUnpatched(t *testing.T) {
	if log := strictFailure(t, "unpatchedCxx"); !strings.Contains(log, "pythonImportsCheckPhase") ||
		!strings.Contains(log, "ImportError: libstdc++.so.6: cannot open shared object file") {
		t.Errorf("unpatched greenlet: want the import check to fail on libstdc++.so.6:\n%s", tail(log, 20))
	}
	if log := strictFailure(t, "noLibraries"); !strings.Contains(log, "error: auto-patchelf could not satisfy dependency libstdc++.so.6 wanted by") ||
		!strings.Contains(log, "auto-patchelf failed to find all the required dependencies") {
		t.Errorf("autoPatchelfHook without libraries: want auto-patchelf to fail on libstdc++.so.6:\n%s", tail(log, 20))
	}
	strictBuild(t, "ignoreMissing")
	strictBuild(t, "manylinux1")
	if log := strictFailure(t, "importsMissing"); !strings.Contains(log, "No module named 'greenlet.nonexistent'") {
		t.Errorf("pythonImportsCheck of a missing module: want ModuleNotFoundError:\n%s", tail(log, 20))
	}
}

// TestRuntimeDepsCheck: each unconditional Requires-Dist of the built wheel must be installed, in a version
// its specifier allows; pythonRemoveDeps, pythonRelaxDeps and dontCheckRuntimeDeps relax that as in nixpkgs.
func TestRuntimeDepsCheck(t *testing.T) {
	if log := strictFailure(t, "runtimeDepMissing"); !strings.Contains(log, "  - click not installed") {
		t.Errorf("missing runtime dependency: want \"click not installed\":\n%s", tail(log, 20))
	}
	if log := strictFailure(t, "runtimeDepVersion"); !strings.Contains(log, "  - click>=99 not satisfied by version 8.1.3") {
		t.Errorf("runtime dependency too old: want \"click>=99 not satisfied\":\n%s", tail(log, 20))
	}
	for _, attr := range []string{"removeDeps", "relaxDeps", "skipDeps"} {
		strictBuild(t, attr)
	}
}

// TestBuildDepsCheck: pypa/build checks [build-system].requires as nixpkgs' pypaBuildHook does (no
// --skip-dependency-check): a missing or too old backend fails naming the requirement.
func TestBuildDepsCheck(t *testing.T) {
	strictBuild(t, "buildDeps")
	for attr, want := range map[string]string{"buildDepMissing": "setuptools-scm>=8", "buildDepVersion": "hatchling>=99"} {
		if log := strictFailure(t, attr); !strings.Contains(log, "ERROR Missing dependencies:") || !strings.Contains(log, want) {
			t.Errorf("%s: want pypa/build to name %s as missing:\n%s", attr, want, tail(log, 20))
		}
	}
}

// TestSkippedChecksKeepModule: a package that skips the runtime dependency check (a flat lock's, or one
// whose cycle was cut) is still a Python module, so the programs and environments of what depends on it
// find it, as in nixpkgs.
func TestSkippedChecksKeepModule(t *testing.T) {
	needNix(t)
	got := strings.TrimSpace(run(t, "nix-instantiate", "--eval", "--strict", "testing/nixpkgs/testdata/strict.nix", "-A", "skipDeps.pythonModule.pythonVersion"))
	if got != `"3.11"` {
		t.Errorf("skipDeps.pythonModule.pythonVersion = %s, want \"3.11\"", got)
	}
}

// TestMetadataCheck: as nixpkgs' pythonMetadataCheckHook, a module built from source must install
// METADATA with the derivation's version; "unstable-" versions and dontCheckPythonMetadata are exempt.
func TestMetadataCheck(t *testing.T) {
	want := "The 'versioned' derivation has version '2.0' but .dist-info/METADATA specifies version '1.0'."
	if log := strictFailure(t, "metadataMismatch"); !strings.Contains(log, want) {
		t.Errorf("metadataMismatch: want %q:\n%s", want, tail(log, 20))
	}
	for _, attr := range []string{"unstableVersion", "metadataUnchecked"} {
		strictBuild(t, attr)
	}
}

// TestCatchConflicts: as nixpkgs' pythonCatchConflictsHook, one distribution in two store paths of a
// package's closure fails its build, naming both; catchConflicts = false skips the check.
func TestCatchConflicts(t *testing.T) {
	log := strictFailure(t, "conflicting")
	if !strings.Contains(log, "Found duplicated packages in closure for dependency 'click':") || !strings.Contains(log, "click-copy") {
		t.Errorf("conflicting: want both clicks named:\n%s", tail(log, 20))
	}
	strictBuild(t, "conflictsUnchecked")
}
