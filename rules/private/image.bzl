"""nix_image: a layered OCI image from a Nix closure, with `nixpy image`."""

load("//rules:providers.bzl", "NixClosureInfo", "NixPyImageInfo")
load(":stamp.bzl", "StampSettingInfo")
load(":toolchain.bzl", "NIXPY_TOOLCHAIN", "nixpy_executable", "nixpy_tool")

def _kv_flags(args, flag, d):
    for k, v in sorted(d.items()):
        args.add(flag, "{}={}".format(k, v))

def _names_status_key(ctx):
    """Whether an attribute the image action expands holds a {KEY} other than {app}."""
    a = ctx.attr
    values = (a.entrypoint + a.cmd + a.env.values() + a.labels.values() + a.annotations.values() +
              a.symlinks.keys() + a.symlinks.values() + [a.workdir, a.user])
    for v in values:
        if "{" in v.replace("{app}", ""):
            return True
    return False

def _nix_image_impl(ctx):
    info = ctx.attr.closure[NixClosureInfo]
    layout = ctx.actions.declare_directory(ctx.label.name + ".oci")
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    args = ctx.actions.args()
    inputs = [info.closure, info.out_path]
    args.add(nixpy_executable(ctx))
    args.add(info.out_path)
    args.add(digest)

    # Stamped builds expand {KEY} from the workspace status; unstamped ones stay reproducible. An image
    # that names no key does not take the status files, so a new commit does not rebuild it.
    if ctx.attr._stamp[StampSettingInfo].value and _names_status_key(ctx):
        args.add_all(["--stamp", ctx.info_file, ctx.version_file])
        inputs += [ctx.info_file, ctx.version_file]
    args.add("--closure", info.closure)
    args.add("--out", layout.path)
    args.add("--max-layers", ctx.attr.max_layers)
    if ctx.attr.entrypoint:
        args.add("--entrypoint", json.encode(ctx.attr.entrypoint))
    if ctx.attr.cmd:
        args.add("--cmd", json.encode(ctx.attr.cmd))
    _kv_flags(args, "--env", ctx.attr.env)
    _kv_flags(args, "--label", ctx.attr.labels)
    _kv_flags(args, "--annotation", ctx.attr.annotations)
    _kv_flags(args, "--symlink", ctx.attr.symlinks)
    if ctx.attr.workdir:
        args.add("--workdir", ctx.attr.workdir)
    if ctx.attr.user:
        args.add("--user", ctx.attr.user)
    args.add_all(ctx.attr.ports, before_each = "--port")
    if ctx.attr.base:
        base = ctx.attr.base[NixPyImageInfo].layout
        args.add("--base", base.path)
        inputs.append(base)
    ctx.actions.run(
        executable = ctx.executable._image_sh,
        arguments = [args],
        inputs = inputs,
        tools = [nixpy_tool(ctx)],
        outputs = [layout, digest],
        mnemonic = "NixPyImage",
        progress_message = "Assembling OCI image %{label}",
        # Reads the store paths of the closure from the local Nix store.
        execution_requirements = {"no-remote-exec": "1"},
        # --action_env=NIXPY_LAYER_CACHE gives nixpy image a layer cache (see README).
        use_default_shell_env = True,
    )
    return [
        DefaultInfo(files = depset([layout, digest])),
        NixPyImageInfo(layout = layout, digest = digest, project_name = info.project_name),
    ]

nix_image = rule(
    implementation = _nix_image_impl,
    doc = """Assembles a layered, reproducible OCI image layout from a nix_build closure with `nixpy image`.

Layers are planned from the closure's reference graph: popular and large store paths low, the built path alone on
top, never more than max_layers. The same group of store paths gives the byte-identical layer in any image.
"{app}" in entrypoint, cmd, env and symlinks is replaced by the built store path.""",
    attrs = {
        "annotations": attr.string_dict(doc = "OCI manifest annotations."),
        "base": attr.label(providers = [NixPyImageInfo], doc = "An image to build on; its layers count toward max_layers."),
        "closure": attr.label(mandatory = True, providers = [NixClosureInfo], doc = "The nix_build target whose closure goes into the image."),
        "cmd": attr.string_list(doc = "The image's default arguments."),
        "entrypoint": attr.string_list(doc = "The command the container runs; default: the one program in the built path's bin/."),
        "env": attr.string_dict(doc = "Environment variables of the image."),
        "labels": attr.string_dict(doc = "OCI config labels. With --stamp, {KEY} in a value is replaced by a workspace status value, e.g. {\"org.opencontainers.image.revision\": \"{STABLE_GIT_COMMIT}\"}; unstamped builds keep the text as it is."),
        "max_layers": attr.int(default = 12, doc = "At most this many layers, a base image's included (at least 2)."),
        "ports": attr.string_list(doc = "Exposed ports: PORT or PORT/PROTOCOL."),
        "symlinks": attr.string_dict(doc = "PATH = TARGET symlinks in the image's root layer, e.g. {\"/bin\": \"{app}/bin\"}."),
        "user": attr.string(doc = "USER or USER:GROUP to run as; /etc/passwd and /etc/group get the account."),
        "workdir": attr.string(doc = "The working directory."),
        "_stamp": attr.label(default = "//rules/private:stamp"),
        "_image_sh": attr.label(default = "//rules/private:image.sh", executable = True, cfg = "exec", allow_single_file = True),
    },
    toolchains = [NIXPY_TOOLCHAIN],
)
