package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/authn"
)

// observedKeychain remembers whether the keychain had credentials for the registry, so that a
// refusal can say whether nixpy sent none or sent some that were rejected.
type observedKeychain struct {
	next  authn.Keychain
	found atomic.Bool
}

func (k *observedKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

func (k *observedKeychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	a, err := authn.Resolve(ctx, k.next, r)
	if err == nil && a != authn.Anonymous {
		k.found.Store(true)
	}
	return a, err
}

// credentialLookup is where the Docker keychain looks for a registry's credentials and what it
// finds there, read without any secret and without running a credential helper.
type credentialLookup struct {
	host string
	// file is the config file the keychain reads, label how the user knows it ("$DOCKER_CONFIG/config.json");
	// both are empty when there is none, and looked lists the files tried.
	file, label string
	looked      []string
	// entry tells whether the file's "auths" has an entry for host.
	entry bool
	// helper is the docker-credential-NAME the keychain runs for host, via is "credHelpers" or "credsStore".
	helper, via string
	// err is why the file could not be read.
	err error
}

// lookupCredentials finds the file authn.DefaultKeychain (go-containerregistry v0.22) reads, in
// its order: the Docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json) when
// either exists, else $REGISTRY_AUTH_FILE, else Podman's containers/auth.json.
func lookupCredentials(host string) credentialLookup {
	l := credentialLookup{host: host}
	home, _ := os.UserHomeDir()
	homeConfig := filepath.Join(home, ".docker", "config.json")
	dockerConfig := os.Getenv("DOCKER_CONFIG")
	podman := filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "containers", "auth.json")
	if os.Getenv("XDG_RUNTIME_DIR") == "" || !isFile(podman) {
		dir := os.Getenv("XDG_CONFIG_HOME")
		if dir == "" {
			dir = filepath.Join(home, ".config")
		}
		podman = filepath.Join(dir, "containers", "auth.json")
	}
	switch {
	case dockerConfig != "" && (isFile(homeConfig) || isFile(filepath.Join(dockerConfig, "config.json"))):
		l.file, l.label = filepath.Join(dockerConfig, "config.json"), "$DOCKER_CONFIG/config.json"
	case isFile(homeConfig):
		l.file, l.label = homeConfig, "~/.docker/config.json"
	case os.Getenv("REGISTRY_AUTH_FILE") != "" && isFile(os.Getenv("REGISTRY_AUTH_FILE")):
		l.file, l.label = os.Getenv("REGISTRY_AUTH_FILE"), "$REGISTRY_AUTH_FILE"
	case isFile(podman):
		l.file, l.label = podman, "Podman's auth.json"
	default:
		l.looked = append(l.looked, homeConfig)
		if dockerConfig != "" {
			l.looked = append(l.looked, filepath.Join(dockerConfig, "config.json"))
		}
		l.looked = append(l.looked, podman)
		return l
	}
	data, err := os.ReadFile(l.file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// ~/.docker/config.json exists but $DOCKER_CONFIG names a directory without one: the
		// keychain reads the latter and finds nothing.
		return l
	case err != nil:
		l.err = err
		return l
	}
	// An auths entry's contents are secrets: decoding into struct{} skips them.
	var config struct {
		Auths       map[string]struct{} `json:"auths"`
		CredsStore  string              `json:"credsStore"`
		CredHelpers map[string]string   `json:"credHelpers"`
	}
	if err := json.Unmarshal(data, &config); err != nil {
		// encoding/json's messages name a type or quote one character, never a value.
		l.err = fmt.Errorf("it is not a Docker config: %w", err)
		return l
	}
	for key := range config.Auths {
		if configHost(key) == host {
			l.entry = true
		}
	}
	if h := config.CredHelpers[host]; h != "" {
		l.helper, l.via = h, "credHelpers"
	} else if config.CredsStore != "" {
		l.helper, l.via = config.CredsStore, "credsStore"
	}
	return l
}

// configHost is the host of a config.json "auths" key, which docker login writes as HOST, or as a
// URL such as https://index.docker.io/v1/.
func configHost(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	host, _, _ := strings.Cut(key, "/")
	return host
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// where names the file the lookup read.
func (l credentialLookup) where() string {
	return fmt.Sprintf("%s (%s)", l.label, l.file)
}

// missing says why the lookup gave no credentials.
func (l credentialLookup) missing() string {
	switch {
	case l.file == "":
		return fmt.Sprintf("nixpy found no Docker config (it looked for %s)", strings.Join(l.looked, ", "))
	case l.err != nil:
		return fmt.Sprintf("nixpy read %s: %v", l.where(), l.err)
	case !isFile(l.file):
		return fmt.Sprintf("nixpy looked for %s, which does not exist", l.where())
	case l.helper != "":
		return fmt.Sprintf("nixpy read %s, whose %s names the credential helper docker-credential-%s, and it had nothing for %s", l.where(), l.via, l.helper, l.host)
	case l.entry:
		return fmt.Sprintf("nixpy read %s, whose \"auths\" entry for %s holds no credentials", l.where(), l.host)
	}
	return fmt.Sprintf("nixpy read %s, which has no \"auths\" entry and no credential helper for %s", l.where(), l.host)
}

// source says where the credentials nixpy sent came from.
func (l credentialLookup) source() string {
	if l.helper != "" {
		return fmt.Sprintf("the credential helper docker-credential-%s, named by the %s of %s", l.helper, l.via, l.where())
	}
	return fmt.Sprintf("the \"auths\" entry for %s in %s", l.host, l.where())
}

// login says how to give nixpy credentials.
func (l credentialLookup) login() string {
	s := fmt.Sprintf("log in with `docker login %s`, which stores them where nixpy looks", l.host)
	if l.file != "" && l.helper == "" {
		s += fmt.Sprintf(", or put an \"auths\" entry for %s in %s", l.host, l.file)
	}
	return s
}
