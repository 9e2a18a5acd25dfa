"""A repository holding a prebuilt nixpy binary and its toolchain."""

_BUILD = """\
load("@rules_nixpy//rules/private:toolchain.bzl", "nixpy_toolchain")

nixpy_toolchain(
    name = "nixpy",
    nixpy = ":nixpy.bin",
)

toolchain(
    name = "toolchain",
    exec_compatible_with = {exec_compatible_with},
    toolchain = ":nixpy",
    toolchain_type = "@rules_nixpy//rules:toolchain_type",
)
"""

def _nixpy_prebuilt_repository_impl(rctx):
    rctx.download(
        url = rctx.attr.urls,
        output = "nixpy.bin",
        sha256 = rctx.attr.sha256,
        executable = True,
    )
    rctx.file("BUILD.bazel", _BUILD.format(exec_compatible_with = repr(rctx.attr.exec_compatible_with)))

nixpy_prebuilt_repository = repository_rule(
    implementation = _nixpy_prebuilt_repository_impl,
    doc = "Downloads a nixpy binary and declares a toolchain for it.",
    attrs = {
        "exec_compatible_with": attr.string_list(doc = "Constraints of the platforms the binary runs on."),
        "sha256": attr.string(mandatory = True, doc = "The binary's SHA-256."),
        "urls": attr.string_list(mandatory = True, doc = "Where to download the binary from."),
    },
)
