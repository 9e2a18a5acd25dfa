package ociimage

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// TestPythonEnvConfig: an image of a Python environment runs its python through EnvLauncher with the
// environment's bin/ first on PATH, unless the user sets the entrypoint or PATH.
func TestPythonEnvConfig(t *testing.T) {
	s := storetest.New(t)
	env := s.Add(t, "aaaaaaaa-python3-3.11-env", nil, []storetest.File{
		{Name: "bin/python", Data: "python", Mode: 0o555}, {Name: "bin/flask", Data: "flask", Mode: 0o555}})
	for _, tc := range []struct {
		name           string
		entrypoint     []string
		env            []string
		wantEntrypoint []string
		wantEnv        []string
	}{{
		name:           "defaults",
		env:            []string{"LANG=C.UTF-8"},
		wantEntrypoint: []string{env + "/bin/python", "-c", EnvLauncher},
		wantEnv:        []string{"PATH=" + env + "/bin:/bin:/usr/bin", "LANG=C.UTF-8"},
	}, {
		name:           "the user's entrypoint and PATH",
		entrypoint:     []string{env + "/bin/flask"},
		env:            []string{"PATH=/opt/bin"},
		wantEntrypoint: []string{env + "/bin/flask"},
		wantEnv:        []string{"PATH=/opt/bin"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Plan(Options{Closure: s.Closure(t), Top: env, DiskDir: s.Dir, MaxLayers: DefaultMaxLayers,
				PythonEnv: true, BinEntrypoint: true, Entrypoint: tc.entrypoint, Env: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Config.Entrypoint, tc.wantEntrypoint) {
				t.Errorf("entrypoint = %q, want %q", p.Config.Entrypoint, tc.wantEntrypoint)
			}
			if !slices.Equal(p.Config.Env, tc.wantEnv) {
				t.Errorf("env = %q, want %q", p.Config.Env, tc.wantEnv)
			}
		})
	}
}

// TestEnvLauncher runs EnvLauncher with this machine's python3 as a container would: a first argument that
// is a command runs that command, options and a script go to python.
func TestEnvLauncher(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not on PATH: run this test in the rig (dev/enter)")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "hello.py")
	if err := os.WriteFile(script, []byte("import sys\nprint('script', sys.argv[1:])\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "print('option')"}, "option"},
		{[]string{script, "x"}, "script ['x']"},
		{[]string{"echo", "a", "command"}, "a command"},
		{[]string{python, "-c", "print('python first')"}, "python first"},
	} {
		out, err := exec.Command(python, append([]string{"-c", EnvLauncher}, tc.args...)...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != tc.want {
			t.Errorf("launcher %q: %q (%v), want %q", tc.args, out, err, tc.want)
		}
	}
}
