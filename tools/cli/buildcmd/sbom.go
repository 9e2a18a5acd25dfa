package buildcmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/nixpy/rules_nixpy/tools/cli"
	"github.com/nixpy/rules_nixpy/tools/closure"
	"github.com/nixpy/rules_nixpy/tools/lockdist"
	"github.com/nixpy/rules_nixpy/tools/nixstore"
	"github.com/nixpy/rules_nixpy/tools/ociimage"
	"github.com/nixpy/rules_nixpy/tools/sbom"
)

func runSBOM(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("sbom", "--closure closure.json --top-file FILE --digest-file FILE --name NAME --out FILE [flags]", stderr)
	closureFile := fs.String("closure", "", "the image's closure.json (required)")
	topFile := fs.String("top-file", "", "`FILE` holding the built store path, such as nixpy_nix_build's out_path (required)")
	packagesFile := fs.String("packages", "", "`FILE` from nixpy nix-build --packages-out: the extra packages the image holds")
	distsFile := fs.String("distributions", "", "`FILE` from nixpy translate --distributions-out: the locked Python distributions")
	digestFile := fs.String("digest-file", "", "`FILE` holding the image manifest's digest, from nixpy assemble --digest-out (required)")
	name := fs.String("name", "", "the image's name, for the subject's pkg:oci purl (required)")
	storeDir := fs.String("store-dir", "", "read the distributions' metadata from this directory (default: the closure's store directory)")
	out := fs.String("out", "", "write the CycloneDX 1.6 JSON SBOM to `FILE` (required)")
	base := fs.String("base", "", "the OCI image layout `DIR` the image is built on: a component the image depends on")
	baseName := fs.String("base-name", "base", "the base image's name, for its pkg:oci purl")
	baseSBOM := fs.String("base-sbom", "", "the base image's own SBOM `FILE` (a base rules_nixpy built), whose components join this one's")
	system := fs.String("system", "", "the Nix system of the image, which picks the --base layout's platform (default: this machine's)")
	if done, err := cli.Parse(fs, args, "closure", "top-file", "digest-file", "name", "out"); done {
		return err
	}
	in := sbom.Input{Name: *name, Metadata: sbom.StoreMetadata(*storeDir)}
	var err error
	if in.Closure, err = closure.Read(*closureFile); err != nil {
		return err
	}
	top, err := readLine(*topFile)
	if err != nil {
		return fmt.Errorf("--top-file: %w", err)
	}
	in.Roots = []string{top}
	if in.Digest, err = readLine(*digestFile); err != nil {
		return fmt.Errorf("--digest-file: %w", err)
	}
	if *packagesFile != "" {
		var pkgs []ociimage.Package
		if err := ociimage.ReadJSON(*packagesFile, &pkgs); err != nil {
			return fmt.Errorf("--packages: %w", err)
		}
		for _, p := range pkgs {
			in.Roots = append(in.Roots, p.Path)
		}
	}
	if *distsFile != "" {
		if in.Distributions, err = lockdist.Read(*distsFile); err != nil {
			return fmt.Errorf("--distributions: %w", err)
		}
		if *storeDir == "" {
			// The licenses are read from the distributions' store paths, which a build from a cache
			// may not have on this machine.
			missing := nixstore.Missing(in.Closure.Paths, in.Closure.StoreDir())
			if len(missing) > 0 {
				if err := (nixstore.Tools{}).Realise(context.Background(), missing, stderr); err != nil {
					return err
				}
			}
		}
	}
	if *base != "" {
		if in.Base, err = readBase(*base, *baseName, *baseSBOM, *system); err != nil {
			return err
		}
	}
	bom, err := sbom.Build(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := sbom.Write(&buf, bom); err != nil {
		return err
	}
	if err := renameio.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	return nil
}

// readBase describes the --base image for the SBOM: its manifest's digest for the platform, and its own
// SBOM when one is given.
func readBase(dir, name, sbomFile, system string) (*sbom.Base, error) {
	plat, err := ociimage.Platform(system)
	if err != nil {
		return nil, err
	}
	img, err := ociimage.ReadLayoutFor(dir, plat)
	if err != nil {
		return nil, fmt.Errorf("--base %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", dir, err)
	}
	b := &sbom.Base{Name: name, Digest: digest.String()}
	if sbomFile != "" {
		if b.BOM, err = sbom.Read(sbomFile); err != nil {
			return nil, fmt.Errorf("--base-sbom: %w", err)
		}
	}
	return b, nil
}

// readLine reads a file of one line, such as an out_path or a digest.
func readLine(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}
