"""Stub of the supply-chain package_metadata rule."""

load("//providers:package_metadata_info.bzl", "PackageMetadataInfo")

def _impl(ctx):
    out = ctx.actions.declare_file("{}.package-metadata.json".format(ctx.attr.name))
    ctx.actions.write(out, json.encode({"label": str(ctx.label), "purl": ctx.attr.purl}))
    return [
        DefaultInfo(files = depset([out])),
        PackageMetadataInfo(metadata = out, files_transitive = depset([out])),
    ]

_package_metadata = rule(
    implementation = _impl,
    attrs = {
        "attributes": attr.label_list(),
        "purl": attr.string(),
    },
)

def package_metadata(name, **kwargs):
    # The repository's default package metadata must not apply to this target itself (a self-edge).
    _package_metadata(name = name, applicable_licenses = [], **kwargs)
