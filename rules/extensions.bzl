"""Bzlmod extensions of rules_nixpy: which nixpy binary the rules run (`nixpy`), and which cosign nixpy_sign runs (`cosign`).

Nothing is needed by default. A release of rules_nixpy lists its prebuilt nixpy binaries, one per platform
(linux and darwin, amd64 and arm64), with their SHA-256, in `rules/private/versions.json`; this extension makes
a repository for each and registers their toolchains, so only the binary of the platform that runs the build
is downloaded and no Go toolchain takes part. A development checkout of rules_nixpy lists none: rules_nixpy's
own workspace builds nixpy from source (the module `rules_nixpy_tools` in tools/, a dev_dependency), and so
does any module that registers `@rules_nixpy_tools//toolchain:all` itself.

A root module may name a versions file of its own instead, for binaries it builds or mirrors itself (the same
JSON: `version`, `urls` templates with `{version}` and `{platform}`, and `sha256` per platform; rules_nixpy's
release workflow writes one as `versions.json` next to the binaries):

    nixpy = use_extension("@rules_nixpy//rules:extensions.bzl", "nixpy")
    nixpy.prebuilt(versions = "//tools:nixpy_versions.json")

To only move the downloads to a mirror, Bazel's `--downloader_config` rewrites the URLs and keeps the pins.

For trying a release before it is published, or a development checkout as if it were one, the environment
variable `NIXPY_VERSIONS_FILE` (an absolute path) stands in for rules_nixpy's own versions file: `dev/release`
writes one with file:// URLs, which is how rules_nixpy's examples and end-to-end tests use the binaries of the
checkout they test. A root module's `nixpy.prebuilt` still comes first.
"""

load("//rules/private:cosign.bzl", "DEFAULT_COSIGN_VERSIONS", "cosign_toolchains_repository")
load("//rules/private:prebuilt.bzl", "DEFAULT_VERSIONS", "binary_repository", "nixpy_toolchains_repository", "parse_versions")

_prebuilt = tag_class(
    doc = "Takes the prebuilt nixpy binaries from a versions file of the root module instead of rules_nixpy's own (only the root module's tag is used).",
    attrs = {
        "versions": attr.label(
            mandatory = True,
            allow_single_file = [".json"],
            doc = "A versions file: `version`, `urls` (templates with `{platform}`, `{version}`) and `sha256` per platform, as rules_nixpy's release writes.",
        ),
    },
)

def _binary_toolchains(mctx, tool, versions, toolchains_repository):
    """Declares a repository per platform's binary `tool` of a versions file and the hub of their toolchains, `@<tool>_toolchains`."""
    release = parse_versions(str(versions), mctx.read(mctx.path(versions)))
    repos = {}
    for platform, binary in release.binaries.items():
        repos[platform] = tool + "_" + platform
        binary_repository(name = repos[platform], binary = tool, urls = binary.urls, sha256 = binary.sha256)
    toolchains_repository(
        name = tool + "_toolchains",
        binaries = repos,
        version = release.version,
        versions = str(versions),
    )

def _root_versions(mctx, tag_class_name, default):
    """The versions file of the root module's tag, else default."""
    for mod in mctx.modules:
        tags = getattr(mod.tags, tag_class_name)
        if mod.is_root and tags:
            return tags[0].versions
    return default

def _nixpy_impl(mctx):
    versions = _root_versions(mctx, "prebuilt", mctx.getenv("NIXPY_VERSIONS_FILE") or DEFAULT_VERSIONS)
    _binary_toolchains(mctx, "nixpy", versions, nixpy_toolchains_repository)

nixpy = module_extension(
    implementation = _nixpy_impl,
    doc = "Makes the prebuilt nixpy binaries of a versions file available as toolchains (`@nixpy_toolchains`), which rules_nixpy registers.",
    tag_classes = {"prebuilt": _prebuilt},
)

_cosign_versions = tag_class(
    doc = "Takes cosign from a versions file of the root module instead of rules_nixpy's pins of sigstore's release (only the root module's tag is used).",
    attrs = {
        "versions": attr.label(
            mandatory = True,
            allow_single_file = [".json"],
            doc = "A versions file: `version`, `urls` (templates with `{version}` and `{platform}`, or `{os}` and `{arch}`) and `sha256` per platform, as rules_nixpy's `rules/private/cosign_versions.json`.",
        ),
    },
)

def _cosign_impl(mctx):
    versions = _root_versions(mctx, "versions", mctx.getenv("NIXPY_COSIGN_VERSIONS_FILE") or DEFAULT_COSIGN_VERSIONS)
    _binary_toolchains(mctx, "cosign", versions, cosign_toolchains_repository)

cosign = module_extension(
    implementation = _cosign_impl,
    doc = """Makes cosign available to nixpy_sign as a toolchain (`@cosign_toolchains`, which rules_nixpy registers).

By default sigstore's release binaries of the cosign version rules_nixpy pins, downloaded from GitHub for the
platform that runs `bazel run` and checked against their SHA-256 (`rules/private/cosign_versions.json`). A root
module may pin another cosign, or its own mirror, with a versions file of the same form:

    cosign = use_extension("@rules_nixpy//rules:extensions.bzl", "cosign")
    cosign.versions(versions = "//tools:cosign_versions.json")

The environment variable `NIXPY_COSIGN_VERSIONS_FILE` (an absolute path) stands in for rules_nixpy's file, e.g.
with a `file://` URL to a cosign built from source; a root module's `cosign.versions` still comes first. A cosign
that is a Bazel target is declared with `cosign_toolchain` (rules/toolchains.bzl) and registered.""",
    tag_classes = {"versions": _cosign_versions},
)
