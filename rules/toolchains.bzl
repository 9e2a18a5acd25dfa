"""The rules that declare a nixpy toolchain, for those who bring their own nixpy binary.

rules_nixpy registers the prebuilt binaries of its versions file; `@rules_nixpy_tools//toolchain` declares the
ones built from source with these rules. A workspace with its own nixpy declares a `toolchain()` of type
`@rules_nixpy//rules:toolchain_type` (build actions) or `@rules_nixpy//rules:run_toolchain_type` (`bazel run`
targets) around them and registers it. A cosign of your own for nixpy_sign goes in a `cosign_toolchain`, in a
`toolchain()` of type `@rules_nixpy//rules:cosign_toolchain_type`.
"""

load("//rules/private:cosign.bzl", _cosign_toolchain = "cosign_toolchain")
load("//rules/private:toolchain.bzl", _nixpy_run_toolchain = "nixpy_run_toolchain", _nixpy_toolchain = "nixpy_toolchain")

cosign_toolchain = _cosign_toolchain
nixpy_toolchain = _nixpy_toolchain
nixpy_run_toolchain = _nixpy_run_toolchain
