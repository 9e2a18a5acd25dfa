// Package gazelle is a Gazelle language extension ("nixpy") that writes py_nix_image, nixpy_push
// and nixpy_load targets for every directory holding a pyproject.toml, and nixpy_resolve for a lock
// that pins files by hash only.
//
// Build it into a gazelle_binary next to other languages:
//
//	gazelle_binary(name = "gazelle_bin", languages = ["@rules_nixpy_tools//gazelle"])
package gazelle

import (
	"flag"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/label"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/repo"
	"github.com/bazelbuild/bazel-gazelle/resolve"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

const (
	langName = "nixpy"
	// module is the Bazel module the rules come from; a user may give it another repo_name.
	module = "rules_nixpy"
)

// Rule kinds the extension writes.
const (
	kindImage = "py_nix_image"
	kindPush  = "nixpy_push"
	kindLoad  = "nixpy_load"
	// kindResolve resolves the files of a lock's hash-only pins (requirements.txt) through an index.
	kindResolve = "nixpy_resolve"
	// kindFiles holds a local package's files for its dependants' local_packages.
	kindFiles = "filegroup"
)

type nixpyLang struct{}

// NewLanguage is the constructor gazelle_binary calls.
func NewLanguage() language.Language { return nixpyLang{} }

func (nixpyLang) Name() string { return langName }

// Kinds says which attributes Gazelle owns. Owned (mergeable) attributes are rewritten on every
// run unless marked "# keep"; the others are written when the rule is created and then left to
// the user, so that hand edits such as a custom entrypoint or extra tags survive.
func (nixpyLang) Kinds() map[string]rule.KindInfo {
	return map[string]rule.KindInfo{
		kindImage: {
			MatchAny:       true,
			NonEmptyAttrs:  map[string]bool{"pyproject": true},
			MergeableAttrs: map[string]bool{"pyproject": true, "lock": true, "artifacts": true, "mode": true, "srcs": true, "nixpkgs": true, "local_packages": true},
		},
		kindResolve: {
			MatchAny:       true,
			NonEmptyAttrs:  map[string]bool{"lock": true},
			MergeableAttrs: map[string]bool{"lock": true},
		},
		kindFiles: {
			NonEmptyAttrs:  map[string]bool{"srcs": true},
			MergeableAttrs: map[string]bool{"srcs": true},
		},
		kindPush: {
			MatchAny:        true,
			NonEmptyAttrs:   map[string]bool{"image": true},
			SubstituteAttrs: map[string]bool{"image": true},
			MergeableAttrs:  map[string]bool{"image": true, "repository": true},
		},
		kindLoad: {
			MatchAny:        true,
			NonEmptyAttrs:   map[string]bool{"image": true},
			SubstituteAttrs: map[string]bool{"image": true},
			MergeableAttrs:  map[string]bool{"image": true},
		},
	}
}

func (l nixpyLang) Loads() []rule.LoadInfo { return l.ApparentLoads(func(string) string { return "" }) }

// ApparentLoads names the rules' .bzl file through the repo name the root module gave rules_nixpy.
func (nixpyLang) ApparentLoads(moduleToApparentName func(string) string) []rule.LoadInfo {
	repoName := moduleToApparentName(module)
	if repoName == "" {
		repoName = module
	}
	return []rule.LoadInfo{{
		Name:    "@" + repoName + "//rules:defs.bzl",
		Symbols: []string{kindImage, kindLoad, kindPush, kindResolve},
	}}
}

func (nixpyLang) RegisterFlags(*flag.FlagSet, string, *config.Config) {}

func (nixpyLang) CheckFlags(*flag.FlagSet, *config.Config) error { return nil }

// Fix has no deprecated forms to rewrite.
func (nixpyLang) Fix(*config.Config, *rule.File) {}

// Imports is empty: images are leaves, nothing resolves to them.
func (nixpyLang) Imports(*config.Config, *rule.Rule, *rule.File) []resolve.ImportSpec { return nil }

func (nixpyLang) Embeds(*rule.Rule, label.Label) []label.Label { return nil }

// Resolve has nothing to do: every generated attribute is known when the rule is generated.
func (nixpyLang) Resolve(*config.Config, *resolve.RuleIndex, *repo.RemoteCache, *rule.Rule, any, label.Label) {
}
