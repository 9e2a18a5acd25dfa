"""A repository rule."""

def _impl(rctx):
    rctx.file("BUILD.bazel", "")

thing_toolchain = repository_rule(
    implementation = _impl,
    doc = "Downloads a thing toolchain.",
    attrs = {
        "version": attr.string(mandatory = True, doc = "The version to download."),
        "sha256": attr.string(doc = "Its checksum; empty to skip the check."),
    },
)
