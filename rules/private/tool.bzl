"""`@rules_nixpy//:nixpy`: the nixpy command for `bazel run`, whichever nixpy the toolchains give."""

load(":toolchain.bzl", "NIXPY_RUN_TOOLCHAIN", "nixpy_run_executable", "nixpy_run_runfiles")

def _nixpy_command_impl(ctx):
    tool = nixpy_run_executable(ctx)
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = tool, is_executable = True)
    runfiles = ctx.runfiles(files = [tool])
    if nixpy_run_runfiles(ctx):
        runfiles = runfiles.merge(nixpy_run_runfiles(ctx))
    return [DefaultInfo(executable = out, runfiles = runfiles)]

nixpy_command = rule(
    implementation = _nixpy_command_impl,
    doc = "The run toolchain's nixpy as an executable target: `bazel run @rules_nixpy//:nixpy -- ci ...` runs the prebuilt binary (or the one built from source where that toolchain is registered).",
    executable = True,
    toolchains = [NIXPY_RUN_TOOLCHAIN],
)
