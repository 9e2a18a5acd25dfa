"""The nixpy toolchain: which nixpy binary the rules run."""

NIXPY_TOOLCHAIN = Label("//rules:toolchain_type")

def _nixpy_toolchain_impl(ctx):
    info = ctx.attr.nixpy[DefaultInfo]

    # A binary built here runs with its runfiles; a downloaded file is just the file.
    tool = info.files_to_run if info.files_to_run and info.files_to_run.executable else ctx.executable.nixpy
    return [platform_common.ToolchainInfo(
        executable = ctx.executable.nixpy,
        tool = tool,
        runfiles = info.default_runfiles,
    )]

nixpy_toolchain = rule(
    implementation = _nixpy_toolchain_impl,
    doc = """Declares a nixpy binary for the rules to run.

rules_nixpy registers one built from source with rules_go (`@rules_nixpy//rules:nixpy_from_source_toolchain`);
the `nixpy` module extension registers a prebuilt one instead.""",
    attrs = {
        "nixpy": attr.label(mandatory = True, executable = True, allow_files = True, cfg = "exec", doc = "The nixpy executable: a binary target or a file."),
    },
)

def nixpy_tool(ctx):
    """Returns the resolved nixpy as an action's executable or tool (FilesToRunProvider or File)."""
    return ctx.toolchains[NIXPY_TOOLCHAIN].tool

def nixpy_executable(ctx):
    """Returns the resolved nixpy's executable File."""
    return ctx.toolchains[NIXPY_TOOLCHAIN].executable

def nixpy_runfiles(ctx):
    """Returns the runfiles that the resolved nixpy needs when it runs from a runfiles tree."""
    return ctx.toolchains[NIXPY_TOOLCHAIN].runfiles
