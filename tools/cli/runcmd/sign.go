package runcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/cosign"
	"github.com/nixpy/rules_nixpy/tools/registry"
)

// runSign signs the image a push reported, with cosign, and attests its SBOM and provenance.
func runSign(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("sign", "--report FILE --cosign PATH [--key KEY] [--tlog-upload=false] [--sbom F] [--provenance F] [--insecure]", stderr)
	report := fs.String("report", "", "the report `FILE` of nixpy push (--report-file): what to sign, by digest (required)")
	cosignPath := fs.String("cosign", "", "the cosign executable (required)")
	key := fs.String("key", "", "cosign's --key: a key file (relative to the workspace under bazel run), a KMS URI or env://VAR; empty signs keyless (OIDC, e.g. GitHub Actions' id-token)")
	tlog := fs.Bool("tlog-upload", true, "record the signatures in the Rekor transparency log; false for private or offline use")
	sbom := fs.String("sbom", "", "attest this CycloneDX `FILE` (cosign attest --type cyclonedx)")
	prov := fs.String("provenance", "", "attest this SLSA provenance predicate `FILE` from nixpy provenance (cosign attest --type slsaprovenance1)")
	insecure := fs.Bool("insecure", false, "allow a registry over plain HTTP or with an unverified certificate")
	if done, err := cli.Parse(fs, args, "report", "cosign"); done {
		return err
	}
	data, err := os.ReadFile(*report)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	var pushed registry.Report
	if err := json.Unmarshal(data, &pushed); err != nil {
		return fmt.Errorf("--report %s: %w", *report, err)
	}
	if pushed.Reference == "" {
		return fmt.Errorf("--report %s: no reference: not a report of nixpy push", *report)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s := cosign.Signer{
		Cosign: *cosignPath, Key: cosign.ResolveKey(*key, os.Getenv("BUILD_WORKSPACE_DIRECTORY")),
		NoTlog: !*tlog, Insecure: *insecure, Stdout: stderr, Stderr: stderr,
	}
	if err := s.Sign(ctx, pushed.Reference); err != nil {
		return err
	}
	for _, a := range []struct{ kind, file string }{{cosign.CycloneDX, *sbom}, {cosign.SLSAProvenance, *prov}} {
		if a.file == "" {
			continue
		}
		if err := s.Attest(ctx, pushed.Reference, a.kind, a.file); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, pushed.Reference)
	return nil
}
