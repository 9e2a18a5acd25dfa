"""The nixpy toolchains: which nixpy binaries the rules run.

Two halves of nixpy, as rules_img splits its tool: the build actions run the action tool (translate, nix-build,
plan, layer, assemble) on the execution platform; `bazel run` targets (push, load, resolve) run the run tool on
the target platform. An edit of push, load or ci code then reruns no build action, and a run target's tool is one
the machine running it can execute.
"""

NIXPY_TOOLCHAIN = Label("//rules:toolchain_type")

NIXPY_RUN_TOOLCHAIN = Label("//rules:run_toolchain_type")

def _toolchain_info(ctx):
    info = ctx.attr.nixpy[DefaultInfo]

    # A binary built here runs with its runfiles; a downloaded file is just the file.
    tool = info.files_to_run if info.files_to_run and info.files_to_run.executable else ctx.executable.nixpy
    return [platform_common.ToolchainInfo(
        executable = ctx.executable.nixpy,
        tool = tool,
        runfiles = info.default_runfiles,
    )]

nixpy_toolchain = rule(
    implementation = _toolchain_info,
    doc = """Declares the nixpy that the build actions run, built or downloaded for the execution platform.

rules_nixpy registers the prebuilt binaries of its versions file (the `nixpy` module extension);
`@rules_nixpy_tools//toolchain:toolchain` is one built from source with rules_go (`@rules_nixpy_tools//cmd/nixpy_action`).
Any nixpy binary with the build subcommands serves: the full `@rules_nixpy_tools//cmd/nixpy` too.""",
    attrs = {
        "nixpy": attr.label(mandatory = True, executable = True, allow_files = True, cfg = "exec", doc = "The nixpy executable: a binary target or a file."),
    },
)

nixpy_run_toolchain = rule(
    implementation = _toolchain_info,
    doc = """Declares the nixpy that `bazel run` targets (nixpy_push, nixpy_load, nixpy_resolve) execute, for the target platform.

rules_nixpy registers the prebuilt binaries of its versions file (the `nixpy` module extension);
`@rules_nixpy_tools//toolchain:run_toolchain` is one built from source (`@rules_nixpy_tools//cmd/nixpy_run`).""",
    attrs = {
        "nixpy": attr.label(mandatory = True, executable = True, allow_files = True, cfg = "target", doc = "The nixpy executable: a binary target or a file."),
    },
)

def nixpy_tool(ctx):
    """Returns the build actions' nixpy as an action's executable or tool (FilesToRunProvider or File)."""
    return ctx.toolchains[NIXPY_TOOLCHAIN].tool

def nixpy_run_executable(ctx):
    """Returns the run tool's executable File, for a `bazel run` target's script."""
    return ctx.toolchains[NIXPY_RUN_TOOLCHAIN].executable

def nixpy_run_runfiles(ctx):
    """Returns the runfiles the run tool needs when it runs from a runfiles tree."""
    return ctx.toolchains[NIXPY_RUN_TOOLCHAIN].runfiles

def _unavailable_impl(ctx):
    fail(ctx.attr.message)

nixpy_unavailable_toolchain = rule(
    implementation = _unavailable_impl,
    doc = "A toolchain that fails with `message` when chosen: the last resort of toolchain resolution, naming why no nixpy fits.",
    attrs = {
        "message": attr.string(mandatory = True, doc = "What went wrong and what to do."),
    },
)
