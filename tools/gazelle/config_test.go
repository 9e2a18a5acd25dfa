package gazelle

import (
	"bytes"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

func TestConfigure(t *testing.T) {
	tests := []struct {
		name    string
		parent  string // directives of the parent directory's BUILD file
		child   string // directives of the child's
		want    settings
		wantLog string
	}{
		{name: "defaults", want: settings{nixpkgs: defaultNixpkgs}},
		{
			name:   "inherited",
			parent: "# gazelle:nixpy_repository_prefix ghcr.io/acme//\n# gazelle:nixpy_mode nixpkgs\n# gazelle:nixpy_nixpkgs //nix:pkgs\n",
			want:   settings{prefix: "ghcr.io/acme", mode: "nixpkgs", nixpkgs: "//nix:pkgs"},
		},
		{
			name:   "overridden",
			parent: "# gazelle:nixpy_repository_prefix ghcr.io/acme\n# gazelle:nixpy_mode nixpkgs\n# gazelle:nixpy_exclude\n",
			child:  "# gazelle:nixpy_repository_prefix localhost:5000\n# gazelle:nixpy_mode\n# gazelle:nixpy_exclude false\n",
			want:   settings{prefix: "localhost:5000", nixpkgs: defaultNixpkgs},
		},
		{
			name:   "nixpkgs reset",
			parent: "# gazelle:nixpy_nixpkgs //nix:pkgs\n",
			child:  "# gazelle:nixpy_nixpkgs\n",
			want:   settings{nixpkgs: defaultNixpkgs},
		},
		{
			name:    "bad mode",
			parent:  "# gazelle:nixpy_mode nixpkgs\n",
			child:   "# gazelle:nixpy_mode pinned\n",
			want:    settings{mode: "nixpkgs", nixpkgs: defaultNixpkgs},
			wantLog: `app/BUILD.bazel: # gazelle:nixpy_mode "pinned": want lock or nixpkgs; keeping "nixpkgs"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log.SetOutput(&logs)
			defer log.SetOutput(os.Stderr)

			c := config.New()
			lang := nixpyLang{}
			lang.Configure(c, "", buildFile(t, "", tt.parent))
			c = c.Clone()
			lang.Configure(c, "app", buildFile(t, "app", tt.child))
			if got := *getSettings(c); got != tt.want {
				t.Errorf("settings = %+v, want %+v", got, tt.want)
			}
			if !strings.Contains(logs.String(), tt.wantLog) || (tt.wantLog == "" && logs.Len() > 0) {
				t.Errorf("log = %q, want %q", logs.String(), tt.wantLog)
			}
		})
	}
}

func TestConfigureDoesNotLeakUpwards(t *testing.T) {
	c := config.New()
	lang := nixpyLang{}
	lang.Configure(c, "", nil)
	child := c.Clone()
	lang.Configure(child, "app", buildFile(t, "app", "# gazelle:nixpy_repository_prefix ghcr.io/acme\n"))
	if got := getSettings(c).prefix; got != "" {
		t.Errorf("parent prefix = %q after configuring a child, want empty", got)
	}
}

func buildFile(t *testing.T, pkg, content string) *rule.File {
	t.Helper()
	if content == "" {
		return nil
	}
	f, err := rule.LoadData(pkg+"/BUILD.bazel", pkg, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestApparentLoads(t *testing.T) {
	tests := []struct {
		apparent, want string
	}{
		{"", "@rules_nixpy//rules:defs.bzl"},
		{"nixpy", "@nixpy//rules:defs.bzl"},
	}
	for _, tt := range tests {
		loads := nixpyLang{}.ApparentLoads(func(m string) string {
			if m != module {
				t.Errorf("asked for module %q, want %q", m, module)
			}
			return tt.apparent
		})
		if len(loads) != 1 || loads[0].Name != tt.want {
			t.Errorf("apparent name %q: loads = %+v, want %s", tt.apparent, loads, tt.want)
		}
	}
}
