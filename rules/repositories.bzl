"""WORKSPACE (legacy, non-bzlmod) setup for rules_nixpy.

In WORKSPACE, with the release archive named `rules_nixpy` (examples/workspace_app is a whole example):

    load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

    http_archive(
        name = "rules_nixpy",
        integrity = "sha256-...",
        strip_prefix = "rules_nixpy-0.1.0",
        url = "https://github.com/nixpy/rules_nixpy/releases/download/v0.1.0/rules_nixpy-0.1.0.tar.gz",
    )

    load("@rules_nixpy//rules:repositories.bzl", "rules_nixpy_dependencies", "rules_nixpy_register_toolchains")

    rules_nixpy_dependencies()

    rules_nixpy_register_toolchains()

WORKSPACE users get the prebuilt nixpy of the release (its `rules/private/versions.json`), as bzlmod users do:
no rules_go, gazelle or Go SDK takes part. Building nixpy from source is for bzlmod only (rules_nixpy's own
development); under WORKSPACE a versions file of your own (`versions`) serves binaries you build or mirror.

Bzlmod users need none of this: `bazel_dep(name = "rules_nixpy", ...)` brings the same repositories.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
load("@bazel_tools//tools/build_defs/repo:utils.bzl", "maybe")
load("//rules/private:prebuilt.bzl", "PLATFORMS", "nixpy_release_binary_repository", "nixpy_release_toolchains_repository")

def rules_nixpy_dependencies():
    """Declares the Bazel rule sets rules_nixpy needs, unless the WORKSPACE already declares them.

    Versions match MODULE.bazel's, each archive pinned by its integrity. Declare a repository of the same name
    before calling this to use another version.
    """
    maybe(
        http_archive,
        name = "bazel_skylib",
        integrity = "sha256-vCg8381SalLDIBJ5zaS8KYZS76iYsQtNsIN9xRZSdW8=",
        urls = [
            "https://mirror.bazel.build/github.com/bazelbuild/bazel-skylib/releases/download/1.7.1/bazel-skylib-1.7.1.tar.gz",
            "https://github.com/bazelbuild/bazel-skylib/releases/download/1.7.1/bazel-skylib-1.7.1.tar.gz",
        ],
    )
    maybe(
        http_archive,
        name = "platforms",
        integrity = "sha256-IY7+juc20mo1cmY7N0olPAErcW2K8MB+hC6C8jigp+4=",
        urls = [
            "https://mirror.bazel.build/github.com/bazelbuild/platforms/releases/download/0.0.10/platforms-0.0.10.tar.gz",
            "https://github.com/bazelbuild/platforms/releases/download/0.0.10/platforms-0.0.10.tar.gz",
        ],
    )

def rules_nixpy_register_toolchains(name = "nixpy", versions = None):
    """Makes the prebuilt nixpy binaries available and registers their toolchains.

    A repository per platform's binary (`@nixpy_linux_amd64` and so on: only the one a build runs is downloaded)
    and a hub of their toolchains (`@nixpy_toolchains`), from a versions file: rules_nixpy's own (a release's
    pins its binaries), or the environment variable `NIXPY_VERSIONS_FILE` (an absolute path, for trying a
    release before it is published; `dev/release` writes one), or `versions`. A platform the file pins no
    binary for gets an error that says so. Toolchains registered before this call come first.

    Args:
      name: the prefix of the repositories' names: `<name>_<platform>` for the binaries, `<name>_toolchains`.
      versions: a versions file of your own, e.g. `"//:nixpy_versions.json"`: `version`, `urls` (templates with
        `{platform}` and `{version}`) and `sha256` per platform, as rules_nixpy's release writes. It wins over
        `NIXPY_VERSIONS_FILE`.
    """
    for platform in sorted(PLATFORMS):
        maybe(
            nixpy_release_binary_repository,
            name = name + "_" + platform,
            platform = platform,
            versions = versions,
        )
    maybe(
        nixpy_release_toolchains_repository,
        name = name + "_toolchains",
        repo_prefix = name + "_",
        versions = versions,
    )
    native.register_toolchains(
        "@{}_toolchains//:all".format(name),
        "@{}_toolchains//unavailable:all".format(name),
    )
