// Package ocimeta derives an image's org.opencontainers.image.* values (the OCI image spec's pre-defined
// annotation keys, which Docker's and Podman's tools also read as config labels) from the standard sources:
// the Python project's pyproject.toml and, in a stamped build, Bazel's workspace status.
package ocimeta

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

// The keys, from the OCI image spec's annotations.md.
const (
	Created     = "org.opencontainers.image.created"
	URL         = "org.opencontainers.image.url"
	Source      = "org.opencontainers.image.source"
	Version     = "org.opencontainers.image.version"
	Revision    = "org.opencontainers.image.revision"
	Licenses    = "org.opencontainers.image.licenses"
	Title       = "org.opencontainers.image.title"
	Description = "org.opencontainers.image.description"
)

// FromProject gives title, description, version, licenses, url and source from the project's metadata; a
// value the project leaves out (a dynamic version, no license) gives no key.
func FromProject(m *pyproject.Metadata) map[string]string {
	out := map[string]string{}
	set(out, Title, m.Name)
	set(out, Description, m.Description)
	set(out, Version, m.Version)
	set(out, Licenses, m.License)
	// PEP 753's well-known labels: homepage, and source with its aliases.
	set(out, URL, m.URL("homepage"))
	set(out, Source, m.URL("source", "repository", "sourcecode", "github"))
	return out
}

// The workspace status keys each value is read from, the first present winning: STABLE_GIT_COMMIT is what
// rules_nixpy's docs and nixpy ci set, BUILD_SCM_REVISION what Bazel's own and many projects' status
// scripts set; BUILD_TIMESTAMP Bazel always sets.
var (
	revisionKeys = []string{"STABLE_GIT_COMMIT", "STABLE_BUILD_SCM_REVISION", "BUILD_SCM_REVISION", "STABLE_GIT_REVISION"}
	sourceKeys   = []string{"STABLE_GIT_REMOTE_URL", "STABLE_REMOTE_URL", "STABLE_REPO_URL", "STABLE_GIT_URL", "BUILD_SCM_REMOTE"}
)

// FromStatus gives revision, created (BUILD_TIMESTAMP, Unix seconds, as RFC 3339 UTC) and source (a remote
// URL, as https and without credentials) from a stamped build's workspace status.
func FromStatus(vars map[string]string) (map[string]string, error) {
	out := map[string]string{}
	set(out, Revision, first(vars, revisionKeys))
	if ts := strings.TrimSpace(vars["BUILD_TIMESTAMP"]); ts != "" {
		secs, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("workspace status BUILD_TIMESTAMP %q: want Unix seconds", ts)
		}
		out[Created] = time.Unix(secs, 0).UTC().Format(time.RFC3339)
	}
	if remote := first(vars, sourceKeys); remote != "" {
		out[Source] = webURL(remote)
	}
	return out, nil
}

// scpLike is git's user@host:path remote syntax.
var scpLike = regexp.MustCompile(`^(?:[^@/]+@)?([^:/]+):(.+)$`)

// webURL turns a git remote into the https URL a registry links to: git@github.com:acme/app.git and
// ssh://git@github.com/acme/app give https://github.com/acme/app. Credentials never reach the image: a
// token in https://user:token@host/... is dropped.
func webURL(remote string) string {
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Host != "" {
		scheme := u.Scheme
		if scheme != "http" {
			scheme = "https"
		}
		return scheme + "://" + u.Host + strings.TrimSuffix(u.Path, ".git")
	}
	if m := scpLike.FindStringSubmatch(remote); m != nil {
		return "https://" + m[1] + "/" + strings.TrimSuffix(strings.TrimPrefix(m[2], "/"), ".git")
	}
	return remote
}

// Merge returns the labels and annotations with the derived values added under the keys the user left
// unset. A key the user set in either (annotations first) keeps the user's value in both, so the config
// and the manifest never disagree. The maps given are not changed.
func Merge(derived, labels, annotations map[string]string) (map[string]string, map[string]string) {
	outLabels, outAnnotations := copyOf(labels), copyOf(annotations)
	for k, v := range derived {
		if a, ok := annotations[k]; ok {
			v = a
		} else if l, ok := labels[k]; ok {
			v = l
		}
		if _, ok := outLabels[k]; !ok {
			outLabels[k] = v
		}
		if _, ok := outAnnotations[k]; !ok {
			outAnnotations[k] = v
		}
	}
	return outLabels, outAnnotations
}

// Combine returns the union of the maps, a later one's value winning.
func Combine(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func set(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func first(vars map[string]string, keys []string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(vars[k]); v != "" {
			return v
		}
	}
	return ""
}

func copyOf(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
