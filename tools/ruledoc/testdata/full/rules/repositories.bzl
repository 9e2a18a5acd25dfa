"""Repository setup."""

load("//rules/private:repo.bzl", _thing_toolchain = "thing_toolchain")
load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

thing_toolchain = _thing_toolchain

def example_dependencies():
    """Declares the dependencies."""
    http_archive(name = "x", urls = [])
