package sbom

import (
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/nixpy/rules_nixpy/tools/pep508"
)

// Metadata is what an SBOM takes from a distribution's core metadata (.dist-info/METADATA).
type Metadata struct {
	// LicenseExpression is the SPDX expression of Metadata-Version 2.4's License-Expression.
	LicenseExpression string
	// License is the free-text License field.
	License string
	// Classifiers are the "License ::" trove classifiers.
	Classifiers []string
}

// maxLicenseName is the longest License field taken as a license's name; a longer one is a
// license's whole text, which packages put there too.
const maxLicenseName = 100

// Licenses is the distribution's license as CycloneDX puts it: its SPDX expression, else its
// License field when that is a name, else its license classifiers' last segments, else the License
// field's text; nil when the metadata declares none.
func (m *Metadata) Licenses() *cdx.Licenses {
	if m.LicenseExpression != "" {
		return &cdx.Licenses{{Expression: m.LicenseExpression}}
	}
	text := m.License
	if strings.EqualFold(text, "UNKNOWN") {
		text = ""
	}
	if text != "" && len(text) <= maxLicenseName {
		return &cdx.Licenses{{License: &cdx.License{Name: text}}}
	}
	if len(m.Classifiers) == 0 {
		if text == "" {
			return nil
		}
		name := text[:maxLicenseName]
		if i := strings.LastIndex(name, " "); i > 0 {
			name = name[:i]
		}
		return &cdx.Licenses{{License: &cdx.License{Name: name + " ...",
			Text: &cdx.AttachedText{ContentType: "text/plain", Content: text}}}}
	}
	var out cdx.Licenses
	for _, c := range m.Classifiers {
		parts := strings.Split(c, "::")
		out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: strings.TrimSpace(parts[len(parts)-1])}})
	}
	return &out
}

// StoreMetadata returns a reader of the metadata of distributions installed in store paths:
// STORE_PATH/lib/pythonX.Y/site-packages/NAME-VERSION.dist-info/METADATA, read under storeDir
// when it is set (a copy of the store), else at the store path itself.
func StoreMetadata(storeDir string) func(storePath, python, name string) (*Metadata, error) {
	return func(storePath, python, name string) (*Metadata, error) {
		root := storePath
		if storeDir != "" {
			root = filepath.Join(storeDir, filepath.Base(storePath))
		}
		site := filepath.Join(root, "lib", "python"+python, "site-packages")
		entries, err := os.ReadDir(site)
		if err != nil {
			return nil, fmt.Errorf("reading its metadata: %w", err)
		}
		for _, e := range entries {
			base, ok := strings.CutSuffix(e.Name(), ".dist-info")
			if !ok {
				continue
			}
			// The directory is NAME-VERSION with the name's runs of - . _ made _ (PEP 427).
			dirName, _, _ := strings.Cut(base, "-")
			if pep508.Normalize(dirName) != name {
				continue
			}
			file := filepath.Join(site, e.Name(), "METADATA")
			md, err := ParseMetadata(file)
			if err != nil {
				return nil, err
			}
			return md, nil
		}
		return nil, fmt.Errorf("no %s-*.dist-info in %s", name, site)
	}
}

// ParseMetadata reads a core metadata file: RFC 822 headers, which net/mail parses, joining a
// field's continuation lines.
func ParseMetadata(file string) (*Metadata, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading metadata: %w", err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", file, err)
	}
	md := &Metadata{
		LicenseExpression: strings.TrimSpace(msg.Header.Get("License-Expression")),
		License:           strings.Join(strings.Fields(msg.Header.Get("License")), " "),
	}
	for _, c := range msg.Header["Classifier"] {
		if strings.HasPrefix(c, "License ::") {
			md.Classifiers = append(md.Classifiers, strings.TrimSpace(c))
		}
	}
	sort.Strings(md.Classifiers)
	return md, nil
}
