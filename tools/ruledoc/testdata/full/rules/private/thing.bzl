"""thing: the private rule behind //rules:defs.bzl's thing."""

load("//rules:providers.bzl", "ThingInfo")
load(":common.bzl", "COMMON_ATTRS", "DEFAULT_COUNT", "MODE_ATTR")

def _thing_impl(ctx):
    return [ThingInfo(out = ctx.file.src, srcs = depset([ctx.file.src]))]

_ATTRS = {
    "src": attr.label(mandatory = True, allow_single_file = True, doc = "The source."),
    "count": attr.int(default = DEFAULT_COUNT, doc = "How many | how much."),
    "mode": MODE_ATTR,
    "_tool": attr.label(default = "//tools:thing", executable = True, cfg = "exec"),
}

thing = rule(
    implementation = _thing_impl,
    doc = """Makes a thing from a source.

    Indented continuation lines are dedented
    down to the line the string starts on.

        code block kept""",
    attrs = COMMON_ATTRS | _ATTRS,
)
