package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"

	"github.com/nixpy/rules_nixpy/tools/lockdist"
	"github.com/nixpy/rules_nixpy/tools/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fixture is a small Flask application's closure in a fake store, with its locked distributions.
func fixture(t *testing.T) (Input, *storetest.Store) {
	t.Helper()
	s := storetest.New(t)
	site := "lib/python3.12/site-packages/"
	metadata := func(dir, headers string) []storetest.File {
		return []storetest.File{{Name: site + dir + "/METADATA", Data: "Metadata-Version: 2.1\n" + headers + "\nThe description.\n"}}
	}
	glibc := s.Add(t, "1111111111111111111111111111111a-glibc-2.40-66", nil, []storetest.File{{Name: "lib/libc.so.6", Data: "libc"}})
	python := s.Add(t, "2222222222222222222222222222222b-python3-3.12.8", []string{glibc}, []storetest.File{{Name: "bin/python3.12", Data: "python"}})
	markupsafe := s.Add(t, "3333333333333333333333333333333c-python3.12-markupsafe-3.0.2", []string{python},
		metadata("MarkupSafe-3.0.2.dist-info", "Name: MarkupSafe\nVersion: 3.0.2\nLicense-Expression: BSD-3-Clause\nClassifier: License :: OSI Approved :: BSD License\n"))
	jinja := s.Add(t, "4444444444444444444444444444444d-python3.12-jinja2-3.1.6", []string{markupsafe, python},
		metadata("jinja2-3.1.6.dist-info", "Name: Jinja2\nVersion: 3.1.6\nClassifier: Intended Audience :: Developers\nClassifier: License :: OSI Approved :: BSD License\n"))
	flask := s.Add(t, "5555555555555555555555555555555e-python3.12-flask-3.1.0", []string{jinja, python},
		metadata("flask-3.1.0.dist-info", "Name: Flask\nVersion: 3.1.0\nLicense: BSD-3-Clause\n"))
	long := "Copyright (c) 2024 The Authors. Permission is hereby granted, free of charge, to any person obtaining a copy\n of this software, to deal in the Software without restriction."
	util := s.Add(t, "6666666666666666666666666666666f-python3.12-app-util-0.1.0", []string{python},
		metadata("app_util-0.1.0.dist-info", "Name: app-util\nVersion: 0.1.0\nLicense: "+long+"\n"))
	app := s.Add(t, "77777777777777777777777777777770-python3.12-app-1.0", []string{flask, util, python, glibc},
		metadata("app-1.0.dist-info", "Name: app\nVersion: 1.0\n"))
	s.Add(t, "88888888888888888888888888888881-bash-interactive-5.2p37", []string{glibc}, []storetest.File{{Name: "bin/bash", Data: "bash"}})
	c := s.Closure(t)
	return Input{
		Name:    "registry.example/team/app:1.0",
		Digest:  digest,
		Closure: c,
		Roots:   []string{app, "/nix/store/88888888888888888888888888888881-bash-interactive-5.2p37"},
		Distributions: &lockdist.Manifest{Python: "3.12", Distributions: []lockdist.Distribution{
			{Name: "app-util", Version: "", Source: lockdist.Local},
			{Name: "flask", Version: "3.1.0", Source: lockdist.Registry, URL: "https://files.pythonhosted.org/packages/flask-3.1.0-py3-none-any.whl",
				SHA256: strings.Repeat("ab", 32), Dependencies: []string{"jinja2"}},
			{Name: "jinja2", Version: "3.1.6", Source: lockdist.Git, URL: "https://github.com/pallets/jinja", Rev: strings.Repeat("1f", 20),
				Dependencies: []string{"markupsafe"}},
			{Name: "markupsafe", Version: "3.0.2", Source: lockdist.Registry, URL: "https://files.pythonhosted.org/packages/MarkupSafe-3.0.2.tar.gz",
				SHA256: strings.Repeat("cd", 32)},
		}},
		Metadata: StoreMetadata(s.Dir),
	}, s
}

func render(t *testing.T, in Input) []byte {
	t.Helper()
	bom, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, bom); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	in, _ := fixture(t)
	got := render(t, in)
	golden := filepath.Join("testdata", "app.cdx.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("SBOM differs from %s (-want +got; go test -update rewrites it):\n%s", golden, diff)
	}
}

func TestDeterministic(t *testing.T) {
	in, _ := fixture(t)
	first := render(t, in)
	// The closure's and the manifest's order do not matter, only their content.
	in.Roots = []string{in.Roots[1], in.Roots[0]}
	d := in.Distributions.Distributions
	d[0], d[3] = d[3], d[0]
	if second := render(t, in); !bytes.Equal(first, second) {
		t.Errorf("the same inputs gave different SBOMs:\n%s\n%s", first, second)
	}
	in.Digest = "sha256:" + strings.Repeat("f", 64)
	var a, b cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(first), cdx.BOMFileFormatJSON).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if err := cdx.NewBOMDecoder(bytes.NewReader(render(t, in)), cdx.BOMFileFormatJSON).Decode(&b); err != nil {
		t.Fatal(err)
	}
	if a.SerialNumber == b.SerialNumber {
		t.Errorf("another image digest kept the serial number %s", a.SerialNumber)
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Input)
		want   string
	}{
		{"bad digest", func(in *Input) { in.Digest = "sha256:abc" }, `image digest "sha256:abc"`},
		{"root outside the closure", func(in *Input) { in.Roots = []string{"/nix/store/x-y"} }, "root /nix/store/x-y is not in the closure"},
		{"bad narHash", func(in *Input) { in.Closure.Paths[0].NarHash = "md5:00" }, `-glibc-2.40-66: narHash: "md5:00"`},
		{"no metadata", func(in *Input) { in.Metadata = StoreMetadata(t.TempDir()) }, "distribution app-util 0.1.0: reading its metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, _ := fixture(t)
			tc.change(&in)
			_, err := Build(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseStoreName(t *testing.T) {
	for _, tc := range []struct{ path, name, version string }{
		{"/nix/store/abc-glibc-2.40-66", "glibc", "2.40-66"},
		{"/nix/store/abc-python3.12-flask-3.1.0", "python3.12-flask", "3.1.0"},
		{"/nix/store/abc-bash-interactive-5.2p37", "bash-interactive", "5.2p37"},
		{"/nix/store/abc-tzdata-2025b", "tzdata", "2025b"},
		{"/nix/store/abc-source", "source", ""},
		{"/nix/store/abc-python3-3.12.8-env", "python3", "3.12.8-env"},
	} {
		name, version := parseStoreName(tc.path)
		if name != tc.name || version != tc.version {
			t.Errorf("parseStoreName(%s) = %q, %q, want %q, %q", tc.path, name, version, tc.name, tc.version)
		}
	}
}

func TestNarHashHex(t *testing.T) {
	const hex = "0a430879c266f8b57f4092a0f935cf3facd48bbccde5760d4748ca405171e969"
	for _, tc := range []struct{ in, want, err string }{
		{"sha256-CkMIecJm+LV/QJKg+TXPP6zUi7zN5XYNR0jKQFFx6Wk=", hex, ""},
		{"sha256:" + hex, hex, ""},
		{"sha256-AAAA", "", "not a SHA-256 digest"},
		{"sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", "", "want sha256-BASE64"},
	} {
		got, err := narHashHex(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("narHashHex(%q) = %q, %v, want %q, error %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestLicenses(t *testing.T) {
	long := strings.Repeat("word ", 30)
	for _, tc := range []struct {
		name string
		md   Metadata
		want *cdx.Licenses
	}{
		{"expression first", Metadata{LicenseExpression: "MIT OR Apache-2.0", License: "MIT", Classifiers: []string{"License :: OSI Approved :: MIT License"}},
			&cdx.Licenses{{Expression: "MIT OR Apache-2.0"}}},
		{"license field", Metadata{License: "BSD", Classifiers: []string{"License :: OSI Approved :: BSD License"}},
			&cdx.Licenses{{License: &cdx.License{Name: "BSD"}}}},
		{"UNKNOWN is none", Metadata{License: "UNKNOWN", Classifiers: []string{"License :: OSI Approved :: MIT License"}},
			&cdx.Licenses{{License: &cdx.License{Name: "MIT License"}}}},
		{"classifiers over a text", Metadata{License: long, Classifiers: []string{"License :: OSI Approved :: Apache Software License", "License :: OSI Approved :: MIT License"}},
			&cdx.Licenses{{License: &cdx.License{Name: "Apache Software License"}}, {License: &cdx.License{Name: "MIT License"}}}},
		{"a text alone", Metadata{License: long},
			&cdx.Licenses{{License: &cdx.License{Name: strings.TrimSpace(long[:100]) + " ...", Text: &cdx.AttachedText{ContentType: "text/plain", Content: long}}}}},
		{"none", Metadata{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.md.Licenses()); diff != "" {
				t.Errorf("Licenses (-want +got):\n%s", diff)
			}
		})
	}
}

// withBase is the fixture built on a base image: rules_nixpy's (its own SBOM given, the fixture's itself,
// which shares every store path) or a foreign one (bom nil).
func withBase(t *testing.T, bom *cdx.BOM) Input {
	t.Helper()
	in, _ := fixture(t)
	in.Base = &Base{Name: "registry.example/team/base:2", Digest: "sha256:" + strings.Repeat("b", 64), BOM: bom}
	return in
}

func TestBase(t *testing.T) {
	in, _ := fixture(t)
	baseBOM, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	basePurl := "pkg:oci/base@sha256:" + strings.Repeat("b", 64)
	for name, bom := range map[string]*cdx.BOM{"built by rules_nixpy": baseBOM, "foreign": nil} {
		t.Run(name, func(t *testing.T) {
			got, err := Build(withBase(t, bom))
			if err != nil {
				t.Fatal(err)
			}
			refs := map[string]int{}
			for _, c := range *got.Components {
				refs[c.BOMRef]++
				if c.BOMRef == basePurl && (c.Type != cdx.ComponentTypeContainer || c.Version != "sha256:"+strings.Repeat("b", 64)) {
					t.Errorf("base component %+v: want a container versioned by its digest", c)
				}
			}
			for ref, n := range refs {
				if n > 1 {
					t.Errorf("component %s listed %d times", ref, n)
				}
			}
			if refs[basePurl] != 1 || len(refs) != len(*baseBOM.Components)+1 {
				t.Errorf("%d components, base %d times: want the fixture's %d and the base", len(refs), refs[basePurl], len(*baseBOM.Components))
			}
			deps := map[string][]string{}
			for _, d := range *got.Dependencies {
				if d.Dependencies != nil {
					deps[d.Ref] = *d.Dependencies
				} else {
					deps[d.Ref] = nil
				}
			}
			if !slices.Contains(deps[got.Metadata.Component.BOMRef], basePurl) {
				t.Errorf("the image depends on %v, not on its base %s", deps[got.Metadata.Component.BOMRef], basePurl)
			}
			wantBaseDeps := []string(nil)
			if bom != nil {
				wantBaseDeps = append(wantBaseDeps, in.Roots...)
				slices.Sort(wantBaseDeps)
			}
			if baseDeps, ok := deps[basePurl]; !ok || !slices.Equal(baseDeps, wantBaseDeps) {
				t.Errorf("the base depends on %v, want %v (its own SBOM's roots)", baseDeps, wantBaseDeps)
			}
		})
	}
	bad := withBase(t, nil)
	bad.Base.Digest = "latest"
	if _, err := Build(bad); err == nil || !strings.Contains(err.Error(), `base image digest "latest"`) {
		t.Errorf("a base without a digest: %v", err)
	}
}
