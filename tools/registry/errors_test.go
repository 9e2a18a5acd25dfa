package registry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/nixpy/rules_nixpy/tools/registrytest"
)

const wrongPassword = "wrong-password-do-not-print"

// secrets are strings no output may hold: the passwords, as typed and as config.json stores them.
var secrets = []string{
	registrytest.Password, wrongPassword,
	base64.StdEncoding.EncodeToString([]byte(registrytest.User + ":" + registrytest.Password)),
	base64.StdEncoding.EncodeToString([]byte(registrytest.User + ":" + wrongPassword)),
}

// isolateCredentials points every place the Docker keychain looks at empty directories, and
// returns the one $DOCKER_CONFIG names.
func isolateCredentials(t *testing.T) string {
	t.Helper()
	config := t.TempDir()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", config)
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("REGISTRY_AUTH_FILE", "")
	return config
}

// writeConfig writes $DOCKER_CONFIG/config.json.
func writeConfig(t *testing.T, dir string, config map[string]any) {
	t.Helper()
	data, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func auths(host, password string) map[string]any {
	auth := base64.StdEncoding.EncodeToString([]byte(registrytest.User + ":" + password))
	return map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}}
}

// credentialHelper installs docker-credential-NAME on PATH, answering with password, or with
// docker's "not found" when password is empty.
func credentialHelper(t *testing.T, name, password string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\ncat >/dev/null\necho 'credentials not found in native keychain'\nexit 1\n"
	if password != "" {
		script = "#!/bin/sh\ncat >/dev/null\necho '{\"Username\":\"" + registrytest.User + "\",\"Secret\":\"" + password + "\"}'\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-"+name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func closedAddr(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// tlsServer starts an HTTPS server on ip with httptest's certificate, which nothing trusts: the
// push stops at the certificate, whatever the server would answer.
func tlsServer(t *testing.T, ip string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener.Close()
	srv.Listener = l
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes fail on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return l.Addr().String()
}

var urlWithQuery = regexp.MustCompile(`://\S*\?`)

// TestPushErrors checks that each way a registry refuses a push ends in a message that names the
// registry and says what to do, and that no output holds a secret or an upload URL's query.
func TestPushErrors(t *testing.T) {
	image := newApp(t).build(t, "errors")
	tests := []struct {
		name string
		// setup starts what the push goes to and returns the repository and the messages' host.
		setup    func(t *testing.T, config string) (repo, host string)
		opts     Options
		wantKind Kind
		want     []string
	}{{
		name: "no config",
		setup: func(t *testing.T, config string) (string, string) {
			reg := registrytest.Start(t, true)
			return reg.Host + "/private/app", reg.Host
		},
		wantKind: Unauthorized,
		want: []string{"the registry HOST asked for credentials to push to HOST/private/app (401 Unauthorized",
			"nixpy had none to send", "nixpy found no Docker config (it looked for ", "/.docker/config.json, CFGDIR/config.json",
			"log in with `docker login HOST`"},
	}, {
		name: "no entry for the registry",
		setup: func(t *testing.T, config string) (string, string) {
			reg := registrytest.Start(t, true)
			writeConfig(t, config, auths("elsewhere.example:5000", registrytest.Password))
			return reg.Host + "/private/app", reg.Host
		},
		wantKind: Unauthorized,
		want: []string{"nixpy had none to send", `nixpy read $DOCKER_CONFIG/config.json (CFGDIR/config.json), which has no "auths" entry and no credential helper for HOST`,
			"log in with `docker login HOST`", `or put an "auths" entry for HOST in CFGDIR/config.json`},
	}, {
		name: "wrong password",
		setup: func(t *testing.T, config string) (string, string) {
			reg := registrytest.Start(t, true)
			writeConfig(t, config, auths(reg.Host, wrongPassword))
			return reg.Host + "/private/app", reg.Host
		},
		wantKind: Unauthorized,
		want: []string{"the registry HOST refused the credentials nixpy sent for HOST/private/app (401 Unauthorized): ",
			`they came from the "auths" entry for HOST in $DOCKER_CONFIG/config.json (CFGDIR/config.json)`, "`docker login HOST`"},
	}, {
		name: "credential helper with a wrong password",
		setup: func(t *testing.T, config string) (string, string) {
			reg := registrytest.Start(t, true)
			credentialHelper(t, "nixpy-test", wrongPassword)
			writeConfig(t, config, map[string]any{"credHelpers": map[string]string{reg.Host: "nixpy-test"}})
			return reg.Host + "/private/app", reg.Host
		},
		wantKind: Unauthorized,
		want: []string{"refused the credentials nixpy sent",
			"they came from the credential helper docker-credential-nixpy-test, named by the credHelpers of $DOCKER_CONFIG/config.json (CFGDIR/config.json)"},
	}, {
		name: "credential store without an entry",
		setup: func(t *testing.T, config string) (string, string) {
			reg := registrytest.Start(t, true)
			credentialHelper(t, "nixpy-empty", "")
			writeConfig(t, config, map[string]any{"credsStore": "nixpy-empty"})
			return reg.Host + "/private/app", reg.Host
		},
		wantKind: Unauthorized,
		want: []string{"nixpy had none to send",
			"whose credsStore names the credential helper docker-credential-nixpy-empty, and it had nothing for HOST", "`docker login HOST`"},
	}, {
		name: "no push permission",
		setup: func(t *testing.T, config string) (string, string) {
			proxy := registrytest.NewProxy(t, registrytest.Start(t, true), registrytest.Faults{Deny: "readonly/app"})
			writeConfig(t, config, auths(proxy.Host, registrytest.Password))
			return proxy.Host + "/readonly/app", proxy.Host
		},
		wantKind: Forbidden,
		want: []string{"the registry HOST does not let the credentials nixpy sent push to HOST/readonly/app (403 Forbidden: DENIED: requested access to the resource is denied)",
			`they came from the "auths" entry for HOST`, "Ask for push permission on readonly/app"},
	}, {
		name: "no such repository",
		setup: func(t *testing.T, config string) (string, string) {
			proxy := registrytest.NewProxy(t, registrytest.Start(t, true), registrytest.Faults{Missing: "absent/app"})
			writeConfig(t, config, auths(proxy.Host, registrytest.Password))
			return proxy.Host + "/absent/app", proxy.Host
		},
		wantKind: NoRepository,
		want: []string{"the registry HOST has no repository absent/app, or does not show it to the credentials nixpy sent (404 Not Found: NAME_UNKNOWN: ",
			`they came from the "auths" entry for HOST`, "created before its first push"},
	}, {
		name: "HTTPS to a plain-HTTP registry",
		setup: func(t *testing.T, config string) (string, string) {
			reg := registrytest.StartOn(t, "127.0.0.2", false)
			return reg.Host + "/apps/app", reg.Host
		},
		wantKind: WrongScheme,
		want:     []string{"HOST answered nixpy's HTTPS in plain HTTP", "push with --insecure"},
	}, {
		name: "certificate of an unknown authority",
		setup: func(t *testing.T, config string) (string, string) {
			host := tlsServer(t, "127.0.0.1")
			return host + "/apps/app", host
		},
		wantKind: Untrusted,
		want:     []string{"the TLS certificate of HOST did not verify (x509: ", "add its CA to the system's trust store", "--insecure"},
	}, {
		name: "certificate for other names",
		setup: func(t *testing.T, config string) (string, string) {
			// httptest's certificate is for 127.0.0.1 and ::1.
			host := tlsServer(t, "127.0.0.2")
			return host + "/apps/app", host
		},
		wantKind: Untrusted,
		want:     []string{"the TLS certificate of HOST is for other names (x509: ", "push to a name it covers, or with --insecure"},
	}, {
		name: "nothing listening on 127.0.0.1",
		setup: func(t *testing.T, config string) (string, string) {
			host := closedAddr(t, "127.0.0.1")
			return host + "/apps/app", host
		},
		wantKind: Unreachable,
		want:     []string{"nothing answers at HOST (connection refused): is the registry running, and are the host and port in HOST/apps/app right?"},
	}, {
		name: "nothing listening on a remote-looking host",
		setup: func(t *testing.T, config string) (string, string) {
			host := closedAddr(t, "127.0.0.2")
			return host + "/apps/app", host
		},
		wantKind: Unreachable,
		want:     []string{"nothing answers at HOST (connection refused)"},
	}, {
		name: "connections keep dropping",
		setup: func(t *testing.T, config string) (string, string) {
			proxy := registrytest.NewProxy(t, registrytest.Start(t, true), registrytest.Faults{CutUploads: 1000})
			writeConfig(t, config, auths(proxy.Host, registrytest.Password))
			return proxy.Host + "/apps/app", proxy.Host
		},
		// One blob at a time: the first one's failure stops the push before another starts.
		opts:     Options{Jobs: 1, Backoff: remote.Backoff{Duration: 10 * time.Millisecond, Factor: 1, Steps: 3}},
		wantKind: Dropped,
		want: []string{"the connection to HOST kept dropping (", "until nixpy gave up on blob sha256:", "after 3 attempts, the last of which had sent ", " of its ",
			"pushing again sends only the rest"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := isolateCredentials(t)
			repo, host := tt.setup(t, config)
			opts := tt.opts
			opts.Image, opts.Repository, opts.Tags = image, repo, []string{"latest"}
			if opts.Backoff.Steps == 0 {
				opts.Backoff = fastBackoff
			}
			var progress bytes.Buffer
			opts.Progress = &progress
			_, err := Push(context.Background(), opts)
			if err == nil {
				t.Fatalf("push succeeded\n%s", progress.String())
			}
			msg := err.Error()
			t.Logf("message: %s", msg)
			var perr *Error
			if !errors.As(err, &perr) || perr.Kind != tt.wantKind || perr.Registry != host {
				t.Errorf("error %#v, want an *Error of kind %d for %s", err, tt.wantKind, host)
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(strings.ReplaceAll(w, "HOST", host), "CFGDIR", config)
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			out := msg + "\n" + progress.String()
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output reveals the secret %q:\n%s", s, out)
				}
			}
			if strings.Contains(out, "_state") || urlWithQuery.MatchString(out) {
				t.Errorf("output holds a URL query:\n%s", out)
			}
		})
	}
}

// TestPushErrorAdviceWorks follows the messages' advice: the right password, or --insecure for a
// plain-HTTP registry, make the push go through.
func TestPushErrorAdviceWorks(t *testing.T) {
	image := newApp(t).build(t, "advice")
	config := isolateCredentials(t)
	reg := registrytest.Start(t, true)
	writeConfig(t, config, auths(reg.Host, registrytest.Password))
	push(t, Options{Image: image, Repository: reg.Host + "/private/app"})

	plain := registrytest.StartOn(t, "127.0.0.2", false)
	push(t, Options{Image: image, Repository: plain.Host + "/apps/app", Insecure: true})
}

func TestWithoutQueries(t *testing.T) {
	for in, want := range map[string]string{
		`Patch "http://h:5000/v2/a/blobs/uploads/u?_state=tok%3D&x=1": EOF`:          `Patch "http://h:5000/v2/a/blobs/uploads/u": EOF`,
		`PUT https://h/v2/a/blobs/uploads/u?digest=sha256%3Aab&_state=REDACTED: 500`: `PUT https://h/v2/a/blobs/uploads/u: 500`,
		`no URL here? none`: `no URL here? none`,
	} {
		if got := withoutQueries(in); got != want {
			t.Errorf("withoutQueries(%q) = %q, want %q", in, got, want)
		}
	}
}
