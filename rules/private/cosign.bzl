"""cosign as a toolchain: sigstore's release binaries pinned by SHA-256 in a versions file, one repository per platform, and a hub of toolchains."""

load(":prebuilt.bzl", "PLATFORMS")

# The cosign release rules_nixpy pins: sigstore's binaries of cosign v2 (the versions file format of nixpy's,
# with {os}-{arch} in the URLs as sigstore names its files).
DEFAULT_COSIGN_VERSIONS = Label("//rules/private:cosign_versions.json")

COSIGN_TOOLCHAIN = Label("//rules:cosign_toolchain_type")

def _cosign_toolchain_impl(ctx):
    info = ctx.attr.cosign[DefaultInfo]
    return [platform_common.ToolchainInfo(
        executable = ctx.executable.cosign,
        runfiles = info.default_runfiles,
    )]

cosign_toolchain = rule(
    implementation = _cosign_toolchain_impl,
    doc = """Declares the cosign that nixpy_sign runs, for the target platform.

rules_nixpy registers sigstore's release binaries (the `cosign` module extension); to run a cosign of your own,
declare a `toolchain()` of type `@rules_nixpy//rules:cosign_toolchain_type` around one of these and register it
before rules_nixpy's.""",
    attrs = {
        "cosign": attr.label(mandatory = True, executable = True, allow_files = True, cfg = "target", doc = "The cosign executable: a binary target or a file."),
    },
)

def cosign_executable(ctx):
    """Returns the cosign toolchain's executable File, for a `bazel run` target's script."""
    return ctx.toolchains[COSIGN_TOOLCHAIN].executable

def cosign_runfiles(ctx):
    """Returns the runfiles cosign needs when it runs from a runfiles tree."""
    return ctx.toolchains[COSIGN_TOOLCHAIN].runfiles

_HEADER = """\
load("@rules_nixpy//rules/private:cosign.bzl", "cosign_toolchain")

package(default_visibility = ["//visibility:public"])
"""

_PLATFORM = """
cosign_toolchain(
    name = "cosign_{platform}",
    cosign = "@{repo}//:cosign",
)

toolchain(
    name = "toolchain_{platform}",
    target_compatible_with = {constraints},
    toolchain = ":cosign_{platform}",
    toolchain_type = "@rules_nixpy//rules:cosign_toolchain_type",
)
"""

# Registered last: a platform without a binary gets an error that says what to do, not "no matching toolchains".
_UNAVAILABLE = """\
load("@rules_nixpy//rules/private:toolchain.bzl", "nixpy_unavailable_toolchain")

package(default_visibility = ["//visibility:public"])

nixpy_unavailable_toolchain(
    name = "unavailable",
    message = {message},
)

toolchain(
    name = "unavailable_toolchain",
    toolchain = ":unavailable",
    toolchain_type = "@rules_nixpy//rules:cosign_toolchain_type",
)
"""

def _cosign_toolchains_repository_impl(rctx):
    parts = [_HEADER]
    for platform, repo in sorted(rctx.attr.binaries.items()):
        parts.append(_PLATFORM.format(platform = platform, repo = repo, constraints = repr(PLATFORMS[platform])))
    listed = ", ".join(sorted(rctx.attr.binaries)) or "none"
    message = ("{}: no cosign {} for this platform (the file lists {}). Set one: a versions file of your own " +
               "(cosign.versions(versions = \"//:cosign_versions.json\") in MODULE.bazel), or a cosign_toolchain " +
               "of your binary, registered in MODULE.bazel.").format(rctx.attr.versions, rctx.attr.version, listed)
    rctx.file("BUILD.bazel", "".join(parts))
    rctx.file("unavailable/BUILD.bazel", _UNAVAILABLE.format(message = repr(message)))

cosign_toolchains_repository = repository_rule(
    implementation = _cosign_toolchains_repository_impl,
    doc = "The toolchains of the cosign binaries of a versions file (`:all`) and the fallback that explains a missing one (`//unavailable:all`).",
    attrs = {
        "binaries": attr.string_dict(doc = "Platform (e.g. linux_amd64) to the name of the repository holding its binary."),
        "version": attr.string(doc = "The cosign version, for messages."),
        "versions": attr.string(doc = "The versions file the binaries come from, for messages."),
    },
)
