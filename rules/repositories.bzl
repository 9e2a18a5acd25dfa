"""WORKSPACE (legacy, non-bzlmod) setup for rules_nixpy.

In WORKSPACE:

    load("@rules_nixpy//rules:repositories.bzl", "rules_nixpy_dependencies")
    rules_nixpy_dependencies()

    load("@io_bazel_rules_go//go:deps.bzl", "go_register_toolchains", "go_rules_dependencies")
    go_rules_dependencies()
    go_register_toolchains(version = "1.26.8")

    load("@bazel_gazelle//:deps.bzl", "gazelle_dependencies")
    gazelle_dependencies()

    load("@rules_nixpy//rules:repositories.bzl", "rules_nixpy_go_dependencies")
    rules_nixpy_go_dependencies()

    register_toolchains(
        "@rules_nixpy//rules:nixpy_from_source_toolchain",
        "@rules_nixpy//rules:nixpy_run_from_source_toolchain",
    )

Bzlmod users need none of this: `bazel_dep(name = "rules_nixpy", ...)` brings the same repositories.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
load("@bazel_tools//tools/build_defs/repo:utils.bzl", "maybe")
load("//rules/private:go_repositories.bzl", "go_repositories")

def rules_nixpy_dependencies():
    """Declares the Bazel rule sets rules_nixpy needs, unless the WORKSPACE already declares them.

    Versions match MODULE.bazel. Declare a repository of the same name before calling this to use another version.
    """
    maybe(
        http_archive,
        name = "bazel_skylib",
        integrity = "sha256-vCg8381SalLDIBJ5zaS8KYZS76iYsQtNsIN9xRZSdW8=",
        urls = ["https://github.com/bazelbuild/bazel-skylib/releases/download/1.7.1/bazel-skylib-1.7.1.tar.gz"],
    )
    maybe(
        http_archive,
        name = "rules_shell",
        integrity = "sha256-vGHvlPrMeOIKZFcm9kdW5eKFoEUDfHph9lrylB9MJeE=",
        strip_prefix = "rules_shell-0.4.1",
        url = "https://github.com/bazelbuild/rules_shell/releases/download/v0.4.1/rules_shell-v0.4.1.tar.gz",
    )
    maybe(
        http_archive,
        name = "io_bazel_rules_go",
        url = "https://github.com/bazel-contrib/rules_go/releases/download/v0.65.0/rules_go-v0.65.0.zip",
    )
    maybe(
        http_archive,
        name = "bazel_gazelle",
        integrity = "sha256-na6HwD6gaymQuINiVpCaGDZ+GR+IXVux0DDouoBJG0I=",
        url = "https://github.com/bazel-contrib/bazel-gazelle/releases/download/v0.54.0/bazel-gazelle-v0.54.0.tar.gz",
    )

def rules_nixpy_go_dependencies():
    """Declares the Go modules the nixpy tool is built from (go_repository rules generated from go.mod)."""
    go_repositories()
