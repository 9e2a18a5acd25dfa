package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bazelbuild/buildtools/build"
)

// TestExampleWorkspaceApp: examples/workspace_app, a project with a WORKSPACE and no bzlmod, builds, pushes, loads
// and answers from its container as the bzlmod examples do. Its WORKSPACE takes rules_nixpy by local_repository
// (the checkout), rules_nixpy_dependencies() and rules_nixpy_register_toolchains(): the actions run the prebuilt
// nixpy of the versions file NIXPY_VERSIONS_FILE names (this checkout's release, see TestMain) and compile no Go.
// Without that variable rules_nixpy's own versions file is read, whose development checkout lists no binaries:
// the build fails saying so; `versions` on rules_nixpy_register_toolchains names a file of the project's own.
func TestExampleWorkspaceApp(t *testing.T) {
	ws := workspaceAppCopy(t)
	t.Cleanup(func() { bazelResult(ws, "shutdown") })

	// WORKSPACE mode indeed: //external exists only there.
	repos := bazel(t, ws, "query", "--output=build", "//external:rules_nixpy + //external:nixpy_toolchains + //external:nixpy_linux_amd64")
	for _, want := range []string{"local_repository(", "nixpy_release_toolchains_repository(", "nixpy_release_binary_repository("} {
		if !strings.Contains(repos, want) {
			t.Errorf("the WORKSPACE does not declare %s...); //external holds:\n%s", want, repos)
		}
	}
	actions := bazel(t, ws, "aquery", "deps(//:image) union deps(//:push) union deps(//:load)")
	if !strings.Contains(actions, "nixpy_linux_amd64/nixpy") || strings.Contains(actions, "Mnemonic: Go") {
		t.Errorf("examples/workspace_app should run the prebuilt nixpy and compile no Go; aquery:\n%s", tail(actions, 80))
	}
	buildPushLoad(t, ws, "//", "workspace-app")
	wantExampleAnswer(t, runAndGet(t, "workspace-app:latest", "8080/tcp", "/"), "hello from examples/workspace_app")

	// rules_nixpy's own versions file: a development checkout's lists no binaries.
	_, stderr, err := bazelWithoutVersionsFile(ws, "build", "--nobuild", "//:image")
	for _, want := range []string{"rules/private:versions.json: nixpy 0.1.0 lists no prebuilt binaries", "rules_nixpy_register_toolchains(versions = "} {
		if err == nil || !strings.Contains(stderr, want) {
			t.Errorf("without NIXPY_VERSIONS_FILE the build should fail saying %q; err=%v\n%s", want, err, tail(stderr, 30))
		}
	}

	// A versions file of the project's own.
	versions, err := os.ReadFile(filepath.Join(releaseDir, "versions.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, ws, map[string]string{"nixpy_versions.json": string(versions)})
	replaceIn(t, filepath.Join(ws, "WORKSPACE"), "rules_nixpy_register_toolchains()", `rules_nixpy_register_toolchains(versions = "//:nixpy_versions.json")`)
	actions, stderr, err = bazelWithoutVersionsFile(ws, "aquery", "mnemonic('NixPyTranslate', deps(//:image))")
	if err != nil || !strings.Contains(actions, "nixpy_linux_amd64/nixpy") {
		t.Errorf("with versions = \"//:nixpy_versions.json\" the translation should run its prebuilt nixpy; err=%v\n%s\n%s", err, tail(stderr, 30), actions)
	}
}

// workspaceAppCopy copies examples/workspace_app to a scratch workspace, rules_nixpy pointed at this checkout and
// the rig's offline stand-ins for GitHub's archives (its --config=workspace) turned on in its .bazelrc.
func workspaceAppCopy(t *testing.T) string {
	t.Helper()
	ws := exampleCopy(t, "workspace_app", "workspace_app")
	replaceIn(t, filepath.Join(ws, "WORKSPACE"), `path = "../.."`, "path = "+strconv.Quote(workspace(t)))
	appendTo(t, filepath.Join(ws, ".bazelrc"), "\n# The rig: bazel_skylib, platforms and the WORKSPACE suffix's rule sets from Debian's copies.\ncommon --config=workspace\n")
	return ws
}

// bazelWithoutVersionsFile runs Bazel as bazelStreams does, with NIXPY_VERSIONS_FILE unset.
func bazelWithoutVersionsFile(dir string, args ...string) (string, string, error) {
	cmd := exec.Command("bazel", args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NIXPY_VERSIONS_FILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), stderr.String(), fmt.Errorf("bazel %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), nil
}

// TestRepositoriesPinned reads rules/repositories.bzl, what WORKSPACE users call: every archive it declares
// (http_archive, directly or through maybe) is pinned by a well-formed integrity or sha256, and is the version
// of the rule set that MODULE.bazel's bazel_dep of the same name asks for.
func TestRepositoriesPinned(t *testing.T) {
	root := workspace(t)
	repositories := parseStarlark(t, filepath.Join(root, "rules", "repositories.bzl"))
	deps := map[string]string{} // MODULE.bazel's bazel_dep, name to version
	for _, call := range calls(parseStarlark(t, filepath.Join(root, "MODULE.bazel"))) {
		if ident(call.X) == "bazel_dep" {
			deps[stringArg(call, "name")] = stringArg(call, "version")
		}
	}

	archives := 0
	for _, call := range calls(repositories) {
		rule := ident(call.X)
		if rule == "maybe" && len(call.List) > 0 {
			rule = ident(call.List[0])
		}
		if rule != "http_archive" && rule != "http_file" && rule != "http_jar" {
			continue
		}
		archives++
		name := stringArg(call, "name")
		pos, _ := call.Span()
		where := fmt.Sprintf("rules/repositories.bzl:%d: %s %q", pos.Line, rule, name)
		integrity, sha256 := stringArg(call, "integrity"), stringArg(call, "sha256")
		switch {
		case integrity == "" && sha256 == "":
			t.Errorf("%s has neither integrity nor sha256: Bazel would take whatever the URL serves", where)
		case integrity != "" && !validSRI(integrity):
			t.Errorf("%s: integrity %q is not sha256-<base64 of 32 bytes>", where, integrity)
		case sha256 != "" && (len(sha256) != 64 || strings.Trim(sha256, "0123456789abcdef") != ""):
			t.Errorf("%s: sha256 %q is not 64 lowercase hex digits", where, sha256)
		}
		urls := stringList(call, "urls")
		if url := stringArg(call, "url"); url != "" {
			urls = append(urls, url)
		}
		if len(urls) == 0 {
			t.Errorf("%s has no url", where)
		}
		version, ok := deps[name]
		if !ok {
			t.Errorf("%s: MODULE.bazel has no bazel_dep %q: WORKSPACE users would get a rule set bzlmod users do not", where, name)
			continue
		}
		for _, u := range urls {
			if !strings.Contains(u, "/"+version+"/") && !strings.Contains(u, "/v"+version+"/") {
				t.Errorf("%s: %s is not version %s, which MODULE.bazel's bazel_dep asks for", where, u, version)
			}
		}
	}
	if archives == 0 {
		t.Error("rules/repositories.bzl declares no http_archive: the test no longer reads it right")
	}
}

func parseStarlark(t *testing.T, path string) *build.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := build.ParseDefault(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// calls lists every call in f, nested ones included (those in function bodies).
func calls(f *build.File) []*build.CallExpr {
	var list []*build.CallExpr
	build.Walk(f, func(x build.Expr, _ []build.Expr) {
		if c, ok := x.(*build.CallExpr); ok {
			list = append(list, c)
		}
	})
	return list
}

func ident(x build.Expr) string {
	if id, ok := x.(*build.Ident); ok {
		return id.Name
	}
	return ""
}

// keyword returns the value of call's keyword argument key, or nil.
func keyword(call *build.CallExpr, key string) build.Expr {
	for _, arg := range call.List {
		if a, ok := arg.(*build.AssignExpr); ok && ident(a.LHS) == key {
			return a.RHS
		}
	}
	return nil
}

func stringArg(call *build.CallExpr, key string) string {
	if s, ok := keyword(call, key).(*build.StringExpr); ok {
		return s.Value
	}
	return ""
}

func stringList(call *build.CallExpr, key string) []string {
	l, ok := keyword(call, key).(*build.ListExpr)
	if !ok {
		return nil
	}
	var list []string
	for _, x := range l.List {
		if s, ok := x.(*build.StringExpr); ok {
			list = append(list, s.Value)
		}
	}
	return list
}

func validSRI(s string) bool {
	b64, ok := strings.CutPrefix(s, "sha256-")
	if !ok {
		return false
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && len(sum) == 32
}
