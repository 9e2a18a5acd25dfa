"""Module extensions."""

load("//rules/private:repo.bzl", "thing_toolchain")

_toolchain = tag_class(
    doc = "Declares a toolchain.",
    attrs = {
        "version": attr.string(mandatory = True, doc = "The version."),
        "_hidden": attr.bool(),
    },
)

def _things_impl(module_ctx):
    for mod in module_ctx.modules:
        for t in mod.tags.toolchain:
            thing_toolchain(name = "thing_" + t.version, version = t.version)

things = module_extension(
    implementation = _things_impl,
    doc = "Toolchains of things.",
    tag_classes = {
        "toolchain": _toolchain,
        "mirror": tag_class(attrs = {"url": attr.string()}),
    },
)
