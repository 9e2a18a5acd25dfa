//go:build nix

package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The CycloneDX schemas come from cyclonedx-go's module, in the Go module cache: this test runs where
// `go` and the cache are (go test -tags nix, as dev/test does), not in Bazel's sandbox.

// cyclonedxSchema compiles bom-1.6.schema.json with the two schemas it references by their $id.
func cyclonedxSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("finding cyclonedx-go's module directory (go list -m): %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "schema")
	c := jsonschema.NewCompiler()
	for _, f := range []struct{ file, id string }{
		{"spdx.schema.json", "http://cyclonedx.org/schema/spdx.schema.json"},
		// The module ships the JSF schema as jsf-0.82.schemax.json.
		{"jsf-0.82.schemax.json", "http://cyclonedx.org/schema/jsf-0.82.schema.json"},
		{"bom-1.6.schema.json", "http://cyclonedx.org/schema/bom-1.6.schema.json"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		if err := c.AddResource(f.id, doc); err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
	}
	c.AssertFormat()
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatalf("compiling the CycloneDX 1.6 schema: %v", err)
	}
	return s
}

func TestSchema(t *testing.T) {
	schema := cyclonedxSchema(t)
	in, _ := fixture(t)
	base, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"generated": render(t, in), "golden": mustRead(t, "testdata/app.cdx.json"),
		"on a base": render(t, withBase(t, base)), "on a foreign base": render(t, withBase(t, nil))} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("%s SBOM does not validate against CycloneDX 1.6: %v", name, err)
		}
	}
	// The schema is strict enough to catch a broken SBOM: a hash that is not hex fails.
	var bad map[string]any
	if err := json.Unmarshal(render(t, in), &bad); err != nil {
		t.Fatal(err)
	}
	bad["components"].([]any)[0].(map[string]any)["hashes"].([]any)[0].(map[string]any)["content"] = "sha256-notHex"
	data, err := json.Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err == nil {
		t.Error("an SBOM with a base64 hash validated")
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
