package nixstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/tools/closure"
)

func TestMissing(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "aaaa-here"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := Missing([]closure.Path{{Path: "/nix/store/aaaa-here"}, {Path: "/nix/store/bbbb-gone"}}, dir)
	if len(got) != 1 || got[0].Path != "/nix/store/bbbb-gone" {
		t.Errorf("Missing = %v, want only bbbb-gone", got)
	}
}

// fakeNix puts nix-store and nix on a PATH of their own: nix-store records its arguments, nix path-info
// prints the given JSON.
func fakeNix(t *testing.T, pathInfo string, storeFails bool) (Tools, string) {
	t.Helper()
	dir := t.TempDir()
	record := filepath.Join(dir, "nix-store.args")
	store := "#!/bin/sh\necho \"$@\" > " + record + "\n"
	if storeFails {
		store += "echo 'error: path is not valid' >&2\nexit 1\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "nix-store"), []byte(store), 0o755); err != nil {
		t.Fatal(err)
	}
	info := filepath.Join(dir, "info.json")
	if err := os.WriteFile(info, []byte(pathInfo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nix"), []byte("#!/bin/sh\nexec /bin/cat "+info+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return Tools{Env: []string{"PATH=" + dir}}, record
}

func TestRealise(t *testing.T) {
	drv := filepath.Join(t.TempDir(), "xxxx-app.drv") // a derivation that is still there
	if err := os.WriteFile(drv, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	app := closure.Path{Path: "/nix/store/aaaa-app", NarHash: "sha256-app", Deriver: drv}
	dep := closure.Path{Path: "/nix/store/bbbb-dep", NarHash: "sha256-dep", Deriver: "/nix/store/gone-dep.drv"}
	info := `[{"path":"/nix/store/aaaa-app","narHash":"sha256-app","narSize":1,"references":["/nix/store/bbbb-dep"]},
	          {"path":"/nix/store/bbbb-dep","narHash":"sha256-dep","narSize":1,"references":[]}]`
	tests := []struct {
		name       string
		info       string
		storeFails bool
		wantArgs   string
		wantErr    []string
	}{
		{name: "from the derivation, else from substituters", info: info,
			wantArgs: "--realise " + drv + " /nix/store/bbbb-dep"},
		{name: "nothing can realise them", info: info, storeFails: true,
			wantErr: []string{"could not be realised: /nix/store/aaaa-app, /nix/store/bbbb-dep", "substituters in nix.conf", "path is not valid"}},
		{name: "built differently", info: strings.Replace(info, `"sha256-app"`, `"sha256-other"`, 1),
			wantErr: []string{"/nix/store/aaaa-app was realised with narHash sha256-other, not the sha256-app it was planned with"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools, record := fakeNix(t, tt.info, tt.storeFails)
			var log strings.Builder
			err := tools.Realise(context.Background(), []closure.Path{app, dep}, &log)
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want one naming %q", err, w)
				}
			}
			if tt.wantArgs != "" {
				got, _ := os.ReadFile(record)
				if strings.TrimSpace(string(got)) != tt.wantArgs {
					t.Errorf("nix-store ran with %q, want %q", got, tt.wantArgs)
				}
				if !strings.Contains(log.String(), "realising 2 store paths missing from the Nix store (1 from their derivations, 1 from substituters)") {
					t.Errorf("log %q does not say what is realised", log.String())
				}
			}
		})
	}
}
