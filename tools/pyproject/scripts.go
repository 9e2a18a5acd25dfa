package pyproject

import (
	"sort"

	"github.com/nixpy/rules_nixpy/tools/pep508"
)

// MainScript is the one decision of which console script a project runs by default: `nix run`'s
// meta.mainProgram, the entrypoint Gazelle writes and the one an image picks among several programs.
// It is the script named like the project (names compared as PEP 503 normalizes them), else the
// first by name; "" when there is none.
func MainScript(project string, scripts []string) string {
	if len(scripts) == 0 {
		return ""
	}
	sorted := append([]string(nil), scripts...)
	sort.Strings(sorted)
	want := pep508.Normalize(project)
	for _, s := range sorted {
		if pep508.Normalize(s) == want {
			return s
		}
	}
	return sorted[0]
}

// ScriptNames are the names of the project's console scripts, sorted.
func (p *Project) ScriptNames() []string {
	names := make([]string, 0, len(p.Scripts))
	for name := range p.Scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
