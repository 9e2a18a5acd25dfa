package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/storetest"
)

// splitBuild runs nixpy plan, one nixpy layer per slot and nixpy assemble as nix_image's actions do, and
// returns the digest assemble printed and the files of each step.
func splitBuild(t *testing.T, work string, slots int, storeDir string, planArgs ...string) (digest string, specs, descriptors []string) {
	t.Helper()
	config := filepath.Join(work, "config.json")
	args := append([]string{"plan", "--config-out", config, "--store-dir", storeDir}, planArgs...)
	for i := range slots {
		specs = append(specs, filepath.Join(work, fmt.Sprintf("layer_%d.json", i)))
		args = append(args, "--layer-out", specs[i])
	}
	mustRun(t, args...)
	assemble := []string{"assemble", "--config", config, "--out", filepath.Join(work, "image.oci"), "--digest-out", filepath.Join(work, "digest")}
	for i, spec := range specs {
		blob := filepath.Join(work, fmt.Sprintf("layer_%d.tar.gz", i))
		desc := filepath.Join(work, fmt.Sprintf("layer_%d.desc.json", i))
		mustRun(t, "layer", "--spec", spec, "--blob", blob, "--descriptor", desc, "--store-dir", storeDir)
		descriptors = append(descriptors, desc)
		assemble = append(assemble, "--descriptor", desc, "--blob", blob)
	}
	digest = strings.TrimSpace(mustRun(t, assemble...))
	if data, err := os.ReadFile(filepath.Join(work, "digest")); err != nil || strings.TrimSpace(string(data)) != digest {
		t.Errorf("--digest-out holds %q (%v), assemble printed %s", data, err, digest)
	}
	return digest, specs, descriptors
}

// TestSplitStepsEqualImage: plan, layer and assemble as separate commands give the image nixpy image gives
// for the same inputs, byte for byte, whatever the number of slots; unused slots stay empty.
func TestSplitStepsEqualImage(t *testing.T) {
	s := storetest.New(t)
	lib := s.Add(t, "llllllll-lib", nil, []storetest.File{{Name: "lib/x", Data: strings.Repeat("x", 5000)}})
	env := s.Add(t, "eeeeeeee-coreutils", []string{lib}, []storetest.File{{Name: "bin/env", Data: "env", Mode: 0o555}})
	top := s.Add(t, "aaaaaaaa-app", []string{lib, env}, []storetest.File{{Name: "bin/app", Data: "app", Mode: 0o555}})
	inputs := t.TempDir()
	closureFile := s.WriteClosure(t, inputs)
	topFile := filepath.Join(inputs, "out_path")
	os.WriteFile(topFile, []byte(top+"\n"), 0o644)
	common := []string{"--closure", closureFile, "--max-layers", "6", "--system", "x86_64-linux", "--bin-entrypoint",
		"--env", "APP={app}", "--symlink", "/bin={app}/bin", "--label", "l=1"}

	want := strings.TrimSpace(mustRun(t, append(append([]string{"image", "--top", top, "--out", filepath.Join(inputs, "whole")}, common...), "--store-dir", s.Dir)...))
	for _, slots := range []int{6, 9} {
		t.Run(fmt.Sprint(slots, " slots"), func(t *testing.T) {
			work := t.TempDir()
			got, specs, descs := splitBuild(t, work, slots, s.Dir, append([]string{"--top-file", topFile}, common...)...)
			if got != want {
				t.Errorf("split digest %s, nixpy image %s", got, want)
			}
			used := 0
			for i := range specs {
				data, _ := os.ReadFile(descs[i])
				if strings.TrimSpace(string(data)) != "null" {
					used++
					continue
				}
				if st, err := os.Stat(filepath.Join(work, fmt.Sprintf("layer_%d.tar.gz", i))); err != nil || st.Size() != 0 {
					t.Errorf("unused slot %d: blob %v, %v; want an empty file", i, st, err)
				}
			}
			// Three store paths and the root layer: lib, coreutils, root, app.
			if used != 4 {
				t.Errorf("%d slots used, want 4", used)
			}
			var cfg struct {
				Entrypoint   []string
				Env          []string
				Architecture string
			}
			data, _ := os.ReadFile(filepath.Join(work, "config.json"))
			if err := json.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			if len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != top+"/bin/app" || cfg.Architecture != "amd64" || !strings.Contains(strings.Join(cfg.Env, " "), "APP="+top) {
				t.Errorf("planned config %s", data)
			}
		})
	}
}

// TestPlanErrors covers what nix_image's plan action reports: a Nix build result whose store path is gone
// (with what to do), too few slots, and the entrypoint choice.
func TestPlanErrors(t *testing.T) {
	s := storetest.New(t)
	lib := s.Add(t, "llllllll-lib", nil, []storetest.File{{Name: "lib/x", Data: "x"}})
	two := s.Add(t, "bbbbbbbb-two", []string{lib}, []storetest.File{{Name: "bin/a", Data: "a", Mode: 0o555}, {Name: "bin/b", Data: "b", Mode: 0o555}})
	none := s.Add(t, "cccccccc-none", []string{lib}, []storetest.File{{Name: "lib/y", Data: "y"}})
	inputs := t.TempDir()
	closureFile := s.WriteClosure(t, inputs)
	gone := filepath.Join(inputs, "gone.json")
	os.WriteFile(gone, []byte(`{"paths":[{"path":"/nix/store/00000000000000000000000000000000-gone-1.0","narHash":"sha256-x","narSize":1,"references":[]}]}`), 0o644)
	tests := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{"result not in the store", []string{"--closure", gone, "--top", "/nix/store/00000000000000000000000000000000-gone-1.0", "--store-dir", filepath.Join(inputs, "empty")},
			[]string{"00000000000000000000000000000000-gone-1.0 missing on disk", "not in this machine's Nix store", "nothing realised it"}},
		{"several programs", []string{"--closure", closureFile, "--top", two, "--bin-entrypoint"}, []string{"several programs (a b): set entrypoint"}},
		{"no program", []string{"--closure", closureFile, "--top", none, "--bin-entrypoint"}, []string{"bin has no program to run: set entrypoint"}},
		{"too few slots", []string{"--closure", closureFile, "--top", two, "--entrypoint", "x", "--max-layers", "3"}, []string{"more than the 1 --layer-out slots"}},
		{"darwin", []string{"--closure", closureFile, "--top", two, "--system", "aarch64-darwin"}, []string{`system "aarch64-darwin"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"plan", "--store-dir", s.Dir, "--config-out", filepath.Join(dir, "config.json"), "--layer-out", filepath.Join(dir, "layer_0.json")}, tt.args...)
			code, _, stderr := runNixpy(t, args...)
			for _, want := range tt.wantErr {
				if code != 1 || !strings.Contains(stderr, want) {
					t.Errorf("exit %d, stderr %q; want exit 1 naming %q", code, stderr, want)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

// TestBinEntrypointOfProject: of several programs in bin/, --bin-entrypoint runs the project's main script
// (pyproject.MainScript: named like the project, else the first by name), from --project or --project-file.
func TestBinEntrypointOfProject(t *testing.T) {
	s := storetest.New(t)
	top := s.Add(t, "aaaaaaaa-app", nil, []storetest.File{
		{Name: "bin/admin", Data: "x", Mode: 0o555}, {Name: "bin/my-app", Data: "x", Mode: 0o555}})
	work := t.TempDir()
	closureFile := s.WriteClosure(t, work)
	nameFile := filepath.Join(work, "project_name")
	os.WriteFile(nameFile, []byte("my_app\n"), 0o644)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"named like the project", []string{"--project-file", nameFile}, top + "/bin/my-app"},
		{"else the first by name", []string{"--project", "other"}, top + "/bin/admin"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			config := filepath.Join(dir, "config.json")
			mustRun(t, append([]string{"plan", "--store-dir", s.Dir, "--closure", closureFile, "--top", top, "--bin-entrypoint",
				"--config-out", config, "--layer-out", filepath.Join(dir, "l0.json"), "--layer-out", filepath.Join(dir, "l1.json"),
				"--layer-out", filepath.Join(dir, "l2.json")}, tt.args...)...)
			var cfg struct{ Entrypoint []string }
			data, err := os.ReadFile(config)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			if len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != tt.want {
				t.Errorf("entrypoint %q, want [%s]", cfg.Entrypoint, tt.want)
			}
		})
	}
}

// TestStampExpandsStatusKeys: --stamp replaces {KEY} from Bazel's workspace status files; a key without a
// value is then an error naming the option and the key, and without --stamp the text stays as written.
func TestStampExpandsStatusKeys(t *testing.T) {
	s := storetest.New(t)
	top := s.Add(t, "aaaaaaaa-app", nil, []storetest.File{{Name: "bin/app", Data: "x", Mode: 0o555}})
	work := t.TempDir()
	closure := s.WriteClosure(t, work)
	status := filepath.Join(work, "stable-status.txt")
	os.WriteFile(status, []byte("STABLE_GIT_COMMIT 0123abcd\nBUILD_USER some one\n"), 0o644)
	for _, tt := range []struct {
		name       string
		args       []string
		wantLabels map[string]string
		wantErr    []string
	}{{
		name:       "stamped",
		args:       []string{"--stamp", status, "--label", "rev={STABLE_GIT_COMMIT}", "--label", "by={BUILD_USER}", "--label", "json={\"a\": 1}"},
		wantLabels: map[string]string{"rev": "0123abcd", "by": "some one", "json": `{"a": 1}`},
	}, {
		name:    "stamped, a key without a value",
		args:    []string{"--stamp", status, "--label", "rev={STABLE_GIT_COMMIT}", "--label", "other={UNKNOWN}"},
		wantErr: []string{`labels["other"] = "{UNKNOWN}": no workspace status value for {UNKNOWN}`},
	}, {
		name:       "unstamped",
		args:       []string{"--label", "rev={STABLE_GIT_COMMIT}", "--label", "other={UNKNOWN}"},
		wantLabels: map[string]string{"rev": "{STABLE_GIT_COMMIT}", "other": "{UNKNOWN}"},
	}, {
		name:    "a status file that is not there",
		args:    []string{"--stamp", filepath.Join(work, "absent.txt")},
		wantErr: []string{"--stamp", "absent.txt"},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			config := filepath.Join(dir, "config.json")
			args := append([]string{"plan", "--closure", closure, "--top", top, "--store-dir", s.Dir, "--entrypoint", "{app}/bin/app",
				"--config-out", config, "--layer-out", filepath.Join(dir, "l0.json"), "--layer-out", filepath.Join(dir, "l1.json")}, tt.args...)
			if tt.wantErr != nil {
				code, _, stderr := runNixpy(t, args...)
				for _, want := range tt.wantErr {
					if code != 1 || !strings.Contains(stderr, want) {
						t.Errorf("exit %d, stderr %q; want exit 1 naming %q", code, stderr, want)
					}
				}
				if _, err := os.Stat(config); err == nil {
					t.Errorf("a failed plan wrote %s", config)
				}
				return
			}
			mustRun(t, args...)
			var cfg struct {
				Labels     map[string]string
				Entrypoint []string
			}
			data, _ := os.ReadFile(config)
			if err := json.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Labels, tt.wantLabels) || cfg.Entrypoint[0] != top+"/bin/app" {
				t.Errorf("planned config %s; want labels %v", data, tt.wantLabels)
			}
		})
	}
}
