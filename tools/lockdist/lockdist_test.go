package lockdist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteRead(t *testing.T) {
	file := filepath.Join(t.TempDir(), "distributions.json")
	m := &Manifest{Python: "3.12", Distributions: []Distribution{
		{Name: "jinja2", Version: "3.1.6", Source: Registry, URL: "https://x/jinja2.whl", SHA256: "ab", Dependencies: []string{"markupsafe"}},
		{Name: "app-util", Source: Local},
		{Name: "markupsafe", Version: "3.0.2", Source: Registry, URL: "https://x/m.whl", SHA256: "cd"},
	}}
	if err := m.Write(file); err != nil {
		t.Fatal(err)
	}
	got, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range got.Distributions {
		names = append(names, d.Name)
	}
	if strings.Join(names, " ") != "app-util jinja2 markupsafe" || got.Python != "3.12" {
		t.Errorf("Read gave %s for python %s, want the three sorted by name for 3.12", names, got.Python)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"unknown field", `{"python": "3.12", "distributions": [], "extra": 1}`, `unknown field "extra"`},
		{"no version", `{"python": "3.12", "distributions": [{"name": "a", "source": "registry"}]}`, "an entry without name or version"},
		{"twice", `{"python": "3.12", "distributions": [{"name": "a", "version": "1", "source": "registry"}, {"name": "a", "version": "2", "source": "registry"}]}`, "a appears twice"},
		{"dangling edge", `{"python": "3.12", "distributions": [{"name": "a", "version": "1", "source": "registry", "dependencies": ["b"]}]}`, "a depends on b, which is not listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "distributions.json")
			if err := os.WriteFile(file, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Read(file)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), file) {
				t.Errorf("Read: %v, want an error naming %s and containing %q", err, file, tc.want)
			}
		})
	}
}
