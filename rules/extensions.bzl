"""Bzlmod extension of rules_nixpy: which nixpy binary the rules run.

By default nothing is needed: rules_nixpy registers a toolchain that builds nixpy from source with rules_go. To use
a prebuilt binary instead (no Go toolchain in the build, faster cold builds):

    nixpy = use_extension("@rules_nixpy//rules:extensions.bzl", "nixpy")
    nixpy.prebuilt(
        urls = ["https://example.com/nixpy-linux-amd64"],
        sha256 = "...",
    )
    use_repo(nixpy, "nixpy_prebuilt")
    register_toolchains("@nixpy_prebuilt//:all")

`@nixpy_prebuilt//:all` is two toolchains of the one binary: the build actions' (`:toolchain`) and the run
targets' (`:run_toolchain`). The root module's toolchains come first, so the prebuilt binary wins over the ones
built from source.
"""

load("//rules/private:prebuilt.bzl", "nixpy_prebuilt_repository")

_prebuilt = tag_class(
    doc = "A prebuilt nixpy binary for linux x86_64, in the repository `nixpy_prebuilt` (only the root module's is used).",
    attrs = {
        "exec_compatible_with": attr.string_list(
            default = ["@platforms//os:linux", "@platforms//cpu:x86_64"],
            doc = "Constraints of the platforms the binary runs on.",
        ),
        "sha256": attr.string(mandatory = True, doc = "The binary's SHA-256."),
        "urls": attr.string_list(mandatory = True, doc = "Where to download the binary from."),
    },
)

def _nixpy_impl(mctx):
    for mod in mctx.modules:
        if not mod.is_root:
            continue
        for tag in mod.tags.prebuilt:
            nixpy_prebuilt_repository(
                name = "nixpy_prebuilt",
                urls = tag.urls,
                sha256 = tag.sha256,
                exec_compatible_with = tag.exec_compatible_with,
            )
            return

nixpy = module_extension(
    implementation = _nixpy_impl,
    doc = "Chooses the nixpy binary the rules run: built from source (default) or prebuilt.",
    tag_classes = {"prebuilt": _prebuilt},
)
