package translate

import (
	"fmt"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/nixexpr"
	"github.com/nixpy/rules_nixpy/tools/pyproject"
)

// projectVersion is how a project's derivation gets its version. nixpkgs checks that the
// built METADATA carries the derivation's version (pythonMetadataCheckHook), and hands the
// derivation's version to setuptools-scm and pdm-backend (their setup hooks), so a dynamic
// version must be the one the backend computes, never a placeholder.
type projectVersion struct {
	// expr is the Nix expression of the version.
	expr string
	// pretend is the variable that hands the version to the tool computing it from version
	// control; empty when none does.
	pretend string
}

// versionOf finds a project's version: stated in pyproject.toml, else the one the user gave
// (--project-version), else the lock's record of it, else where the build backend finds it:
// a file read when Nix evaluates, or the SCM tool's fallback. dir is the Nix path of the
// project's directory; file names its pyproject.toml in messages; given is the user's version,
// which applies to a local package only where nothing else says.
func versionOf(p *pyproject.Project, locked, given, dir, file string) projectVersion {
	d := p.DynamicVersion
	var pretend string
	if d != nil {
		pretend = d.PretendEnv
	}
	switch {
	case p.Version != "":
		return projectVersion{expr: q(p.Version)}
	case given != "":
		return projectVersion{expr: q(given), pretend: pretend}
	case locked != "":
		return projectVersion{expr: q(locked), pretend: pretend}
	case p.Unpackaged:
		// PDM runs it from its source tree: no metadata carries a version to agree with.
		return projectVersion{expr: q("0")}
	case d == nil:
		return projectVersion{expr: versionThrow(file, "project.dynamic", "nixpy cannot tell where the build backend finds it")}
	case d.SCM != "" && d.Fallback != "":
		return projectVersion{expr: q(d.Fallback), pretend: pretend}
	case d.SCM != "":
		return projectVersion{expr: versionThrow(file, d.Field,
			"the version comes from version control ("+d.SCM+"), which a Nix build does not see")}
	case d.Unsupported != "":
		return projectVersion{expr: versionThrow(file, d.Field, d.Unsupported)}
	}
	return projectVersion{expr: fmt.Sprintf("nixpy.versionIn %s %s %s %s [ %s ]",
		dir, q(file+": "+d.Field), q(string(d.Kind)), q(d.Variable), strings.Join(quoteAll(d.Files), " "))}
}

// versionThrow fails evaluation, not translation: the expression stays usable with a version
// given later, and only a build needs one.
func versionThrow(file, field, why string) string {
	return fmt.Sprintf("throw %s", q(fmt.Sprintf("nixpy: %s: %s: %s: give the version with py_nix_image's version attribute (nixpy translate --project-version)",
		file, field, why)))
}

// writeVersion writes the version attribute and, for an SCM tool, the variable it reads.
func writeVersion(w *nixexpr.Writer, v projectVersion) {
	w.Line("version = %s;", v.expr)
	if v.pretend != "" {
		w.Line("%s = %s;", v.pretend, v.expr)
	}
}

// givenVersion is the user's version for a local package: only one from version control,
// which is the repository's and so the project's too, or one nixpy cannot find.
func (t *translation) givenVersion(p *pyproject.Project) string {
	if d := p.DynamicVersion; d != nil && (d.SCM != "" || d.Unsupported != "") {
		return t.opts.ProjectVersion
	}
	return ""
}
