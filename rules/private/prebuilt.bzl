"""A repository holding a prebuilt nixpy binary and its two toolchains."""

# The full nixpy serves as both halves: the build actions' tool on platforms that can execute it, and the
# run targets' tool on platforms it is built for (the same constraints).
_BUILD = """\
load("@rules_nixpy//rules/private:toolchain.bzl", "nixpy_run_toolchain", "nixpy_toolchain")

nixpy_toolchain(
    name = "nixpy",
    nixpy = ":nixpy.bin",
)

toolchain(
    name = "toolchain",
    exec_compatible_with = {constraints},
    toolchain = ":nixpy",
    toolchain_type = "@rules_nixpy//rules:toolchain_type",
)

nixpy_run_toolchain(
    name = "nixpy_run",
    nixpy = ":nixpy.bin",
)

toolchain(
    name = "run_toolchain",
    target_compatible_with = {constraints},
    toolchain = ":nixpy_run",
    toolchain_type = "@rules_nixpy//rules:run_toolchain_type",
)
"""

def _nixpy_prebuilt_repository_impl(rctx):
    rctx.download(
        url = rctx.attr.urls,
        output = "nixpy.bin",
        sha256 = rctx.attr.sha256,
        executable = True,
    )
    rctx.file("BUILD.bazel", _BUILD.format(constraints = repr(rctx.attr.exec_compatible_with)))

nixpy_prebuilt_repository = repository_rule(
    implementation = _nixpy_prebuilt_repository_impl,
    doc = "Downloads a nixpy binary and declares the build actions' and the run targets' toolchains for it.",
    attrs = {
        "exec_compatible_with": attr.string_list(doc = "Constraints of the platforms the binary runs on."),
        "sha256": attr.string(mandatory = True, doc = "The binary's SHA-256."),
        "urls": attr.string_list(mandatory = True, doc = "Where to download the binary from."),
    },
)
