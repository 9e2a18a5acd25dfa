package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTranslateProjectName(t *testing.T) {
	td := filepath.Join("..", "..", "translate", "testdata")
	dir := t.TempDir()
	name := filepath.Join(dir, "name")
	var stdout, stderr bytes.Buffer
	args := []string{"translate", "-o", filepath.Join(dir, "out.nix"), "--project-name-out", name,
		"--pyproject", td + "/poetry1/pyproject.toml", "--mode", "nixpkgs"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if want := "shop\n"; string(got) != want {
		t.Errorf("project name file = %q, want %q", got, want)
	}
}

func TestTranslateCommand(t *testing.T) {
	td := filepath.Join("..", "..", "translate", "testdata")
	dir := t.TempDir()
	badLock := filepath.Join(dir, "uv.lock")
	if err := os.WriteFile(badLock, []byte("version = 1\n[[package]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
		wantOut    string // substring of the written file; empty when none must exist
	}{
		{"lock mode", []string{"--pyproject", td + "/poetry1/pyproject.toml", "--lock", td + "/poetry1/poetry.lock", "--mode", "lock", "--python", "3.12", "--extras", "redis"}, 0, "", "redis = python.pkgs.buildPythonPackage"},
		{"nixpkgs mode with rewrite", []string{"--pyproject", td + "/poetry1/pyproject.toml", "--mode=nixpkgs", "--url-rewrite", "https://a.example/=https://b.example/"}, 0, "", `nixpy.check "flask"`},
		{"python from .python-version", []string{"--pyproject", td + "/uv-celery/pyproject.toml", "--lock", td + "/uv-celery/uv.lock", "--mode", "lock", "--python-version-file", td + "/uv-celery/.python-version"}, 0, "", "python ? pkgs.python313 or (throw"},
		{"python from requires-python", []string{"--pyproject", td + "/poetry1/pyproject.toml", "--mode", "nixpkgs"}, 0, "", "python ? pkgs.python314 or (throw"},
		{"no such .python-version", []string{"--pyproject", td + "/poetry1/pyproject.toml", "--mode", "nixpkgs", "--python-version-file", filepath.Join(dir, ".python-version")}, 1, "--python-version-file: open " + filepath.Join(dir, ".python-version"), ""},
		{"help", []string{"-h"}, 0, "usage: nixpy translate", ""},
		{"missing mode", []string{"--pyproject", "x"}, 2, "--mode is required", ""},
		{"bad rewrite", []string{"--pyproject", "x", "--mode", "lock", "--url-rewrite", "nope"}, 2, "want FROM=TO", ""},
		{"malformed lock", []string{"--pyproject", td + "/uv-celery/pyproject.toml", "--lock", badLock, "--mode", "lock"}, 1, badLock + ":2: invalid TOML", ""},
		{"lock out of date", []string{"--pyproject", td + "/uv-celery/pyproject.toml", "--lock", td + "/pdm/pdm.lock", "--mode", "lock", "--python", "3.13"}, 1, "package celery (needed by", ""},
		{"no such file", []string{"--pyproject", filepath.Join(dir, "missing.toml"), "--mode", "nixpkgs"}, 1, "missing.toml", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".nix")
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"translate", "-o", out}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String()+stdout.String(), tt.wantStderr) {
				t.Errorf("output = %q, want it to contain %q", stderr.String()+stdout.String(), tt.wantStderr)
			}
			data, err := os.ReadFile(out)
			switch {
			case tt.wantOut == "" && err == nil:
				t.Errorf("%s was written; a failed or help run must leave no file", out)
			case tt.wantOut != "" && !bytes.Contains(data, []byte(tt.wantOut)):
				t.Errorf("%s lacks %q (read error: %v)", out, tt.wantOut, err)
			}
		})
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}
