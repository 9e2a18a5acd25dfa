"""The nixpy toolchain: which nixpy binary the rules run."""

NIXPY_TOOLCHAIN = Label("//rules:toolchain_type")

def _nixpy_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(
        nixpy = ctx.attr.nixpy[DefaultInfo].files_to_run,
        nixpy_runfiles = ctx.attr.nixpy[DefaultInfo].default_runfiles,
    )]

nixpy_toolchain = rule(
    implementation = _nixpy_toolchain_impl,
    doc = """Declares a nixpy binary for the rules to run.

rules_nixpy registers one built from source with rules_go (`@rules_nixpy//rules:nixpy_from_source_toolchain`);
the `nixpy` module extension registers a prebuilt one instead.""",
    attrs = {
        "nixpy": attr.label(mandatory = True, executable = True, cfg = "exec", doc = "The nixpy executable."),
    },
)

def nixpy_files(ctx):
    """Returns the resolved toolchain's FilesToRunProvider of nixpy."""
    return ctx.toolchains[NIXPY_TOOLCHAIN].nixpy

def nixpy_runfiles(ctx):
    """Returns the runfiles that the resolved nixpy needs when it runs from a runfiles tree."""
    return ctx.toolchains[NIXPY_TOOLCHAIN].nixpy_runfiles
