// Package cosign runs sigstore's cosign CLI to sign a pushed image and attest predicates about it. The
// signatures and attestations are cosign's own (the .sig and .att tags beside the image), so `cosign verify`,
// `cosign verify-attestation` and the policy engines that build on them check what nixpy_sign made.
package cosign

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
)

// Predicate types cosign attest knows by name.
const (
	CycloneDX      = "cyclonedx"
	SLSAProvenance = "slsaprovenance1"
)

// Signer signs with one key, or keyless.
type Signer struct {
	// Cosign is the cosign executable.
	Cosign string
	// Key is what cosign's --key takes: a key file, a KMS URI (awskms://, gcpkms://, azurekms://,
	// hashivault://, k8s://) or env://VAR. Empty signs keyless, with the OIDC identity of the environment
	// (GitHub Actions' id-token) and a Fulcio certificate.
	Key string
	// NoTlog keeps the signature out of the Rekor transparency log, for private or offline use; verifiers
	// then need --insecure-ignore-tlog.
	NoTlog bool
	// Insecure lets cosign talk to a registry over plain HTTP or with an unverified certificate.
	Insecure       bool
	Stdout, Stderr io.Writer
}

// Sign signs the image ref (REPO@sha256:...).
func (s Signer) Sign(ctx context.Context, ref string) error {
	return s.run(ctx, "sign", append(s.common(), ref))
}

// Attest attaches a signed in-toto attestation of the predicate file, of a predicate type cosign knows.
func (s Signer) Attest(ctx context.Context, ref, predicateType, predicate string) error {
	return s.run(ctx, "attest "+predicateType, append(s.common(), "--type", predicateType, "--predicate", predicate, ref))
}

// common are the flags of every signing command; --yes answers cosign's prompts (the tlog upload notice),
// which would stall a `bazel run` without a terminal.
func (s Signer) common() []string {
	args := []string{"--yes"}
	if s.Key != "" {
		args = append(args, "--key", s.Key)
	}
	if s.NoTlog {
		args = append(args, "--tlog-upload=false")
	}
	if s.Insecure {
		args = append(args, "--allow-insecure-registry", "--allow-http-registry")
	}
	return args
}

func (s Signer) run(ctx context.Context, what string, args []string) error {
	sub := strings.Fields(what)[0]
	cmd := exec.CommandContext(ctx, s.Cosign, append([]string{sub}, args...)...)
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cosign %s of %s: %w", what, args[len(args)-1], err)
	}
	return nil
}

// ResolveKey makes a key file given relative to the workspace an absolute path: `bazel run` starts in the
// runfiles tree, while a user names the key as a path of the workspace (BUILD_WORKSPACE_DIRECTORY). URIs
// (a KMS, env://) are left as they are.
func ResolveKey(key, workspace string) string {
	if key == "" || strings.Contains(key, "://") || filepath.IsAbs(key) || workspace == "" {
		return key
	}
	return filepath.Join(workspace, key)
}
