"""nix_image: a layered OCI image from a Nix closure, planned, built layer by layer and assembled by nixpy."""

load("//rules:providers.bzl", "NixClosureInfo", "NixPyImageInfo")
load(":defaults.bzl", "MAX_LAYERS")
load(":stamp.bzl", "StampSettingInfo")
load(":toolchain.bzl", "NIXPY_TOOLCHAIN", "nixpy_tool")

def _kv_flags(args, flag, d):
    for k, v in sorted(d.items()):
        args.add(flag, "{}={}".format(k, v))

def _names_status_key(ctx):
    """Whether an attribute the plan action expands holds a {KEY} other than {app}."""
    a = ctx.attr
    values = (a.entrypoint + a.cmd + a.env.values() + a.labels.values() + a.annotations.values() +
              a.symlinks.keys() + a.symlinks.values() + [a.workdir, a.user])
    for v in values:
        if "{" in v.replace("{app}", ""):
            return True
    return False

def _plan_args(ctx, info):
    """The flags of `nixpy plan` that describe the image, with the inputs they name."""
    args = ctx.actions.args()
    inputs = [info.closure, info.out_path]
    args.add("plan")
    args.add("--closure", info.closure)
    args.add("--top-file", info.out_path)
    args.add("--system", info.system)
    args.add("--max-layers", ctx.attr.max_layers)

    # Stamped builds expand {KEY} from the workspace status; unstamped ones stay reproducible. An image
    # that names no key does not take the status files, so a new commit does not rebuild it.
    if ctx.attr._stamp[StampSettingInfo].value and _names_status_key(ctx):
        args.add("--stamp", ctx.info_file)
        args.add("--stamp", ctx.version_file)
        inputs += [ctx.info_file, ctx.version_file]
    if ctx.attr.entrypoint:
        args.add("--entrypoint", json.encode(ctx.attr.entrypoint))
    else:
        args.add("--bin-entrypoint")
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
    return args, inputs

# The image's actions read store paths from this machine's Nix store (or, for the assembly, layers that are
# already here): a remote executor has no store, a remote or disk cache is fine.
_LOCAL = {"no-remote-exec": "1"}

def _nix_image_impl(ctx):
    info = ctx.attr.closure[NixClosureInfo]
    base = ctx.attr.base[NixPyImageInfo].layout if ctx.attr.base else None

    # Outputs are declared at analysis, before the plan knows how many layers it makes: one slot per layer
    # max_layers allows; the slots a plan leaves unused (a small closure, a base's layers) stay empty.
    slots = range(ctx.attr.max_layers)
    config = ctx.actions.declare_file(ctx.label.name + ".plan/config.json")
    specs = [ctx.actions.declare_file("{}.plan/layer_{}.json".format(ctx.label.name, i)) for i in slots]
    args, inputs = _plan_args(ctx, info)
    args.add("--config-out", config)
    args.add_all(specs, before_each = "--layer-out")
    if base:
        args.add("--base", base.path)
        inputs.append(base)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = inputs,
        outputs = [config] + specs,
        mnemonic = "NixPyImagePlan",
        progress_message = "Planning the layers of %{label}",
        execution_requirements = _LOCAL,
    )

    # One action per layer, whose only input is its spec (store paths and narHashes): an unchanged spec is an
    # action cache hit, so a source edit rebuilds the application's layer and no other.
    blobs, descriptors = [], []
    for i in slots:
        blob = ctx.actions.declare_file("{}.layers/layer_{}.tar.gz".format(ctx.label.name, i))
        descriptor = ctx.actions.declare_file("{}.layers/layer_{}.json".format(ctx.label.name, i))
        largs = ctx.actions.args()
        largs.add("layer")
        largs.add("--spec", specs[i])
        largs.add("--blob", blob)
        largs.add("--descriptor", descriptor)
        ctx.actions.run(
            executable = nixpy_tool(ctx),
            arguments = [largs],
            inputs = [specs[i]],
            outputs = [blob, descriptor],
            mnemonic = "NixPyImageLayer",
            progress_message = "Building layer {} of %{{label}}".format(i),
            execution_requirements = _LOCAL,
        )
        blobs.append(blob)
        descriptors.append(descriptor)

    layout = ctx.actions.declare_directory(ctx.label.name + ".oci")
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    aargs = ctx.actions.args()
    aargs.add("assemble")
    aargs.add("--config", config)
    for i in slots:
        aargs.add("--descriptor", descriptors[i])
        aargs.add("--blob", blobs[i])
    aargs.add("--out", layout.path)
    aargs.add("--digest-out", digest)
    if base:
        aargs.add("--base", base.path)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [aargs],
        inputs = [config] + descriptors + blobs + ([base] if base else []),
        outputs = [layout, digest],
        mnemonic = "NixPyImage",
        progress_message = "Assembling OCI image %{label}",
        execution_requirements = _LOCAL,
    )
    return [
        DefaultInfo(files = depset([layout, digest])),
        NixPyImageInfo(layout = layout, digest = digest, project_name = info.project_name),
    ]

nix_image = rule(
    implementation = _nix_image_impl,
    doc = """Assembles a layered, reproducible OCI image layout from a nix_build closure.

Layers are planned from the closure's reference graph: popular and large store paths low, the built path alone on
top, never more than max_layers. The same group of store paths gives the byte-identical layer in any image.
"{app}" in entrypoint, cmd, env and symlinks is replaced by the built store path. The image's os and
architecture are those of the nix_build's `system`.

Three kinds of actions, so Bazel's action, disk and remote caches keep the layers: `nixpy plan` (mnemonic
NixPyImagePlan) writes one spec per layer slot, the store paths with their narHashes; `nixpy layer`
(NixPyImageLayer, one action per slot, max_layers of them) builds a layer from its spec alone; `nixpy assemble`
(NixPyImage) writes the layout and its digest. A source edit changes only the top layer's spec, so it reruns
that layer's action and the assembly, not the others.""",
    attrs = {
        "annotations": attr.string_dict(doc = "OCI manifest annotations."),
        "base": attr.label(providers = [NixPyImageInfo], doc = "An image to build on; its layers count toward max_layers."),
        "closure": attr.label(mandatory = True, providers = [NixClosureInfo], doc = "The nix_build target whose closure goes into the image."),
        "cmd": attr.string_list(doc = "The image's default arguments."),
        "entrypoint": attr.string_list(doc = "The command the container runs; default: the one program in the built path's bin/."),
        "env": attr.string_dict(doc = "Environment variables of the image."),
        "labels": attr.string_dict(doc = "OCI config labels. With --stamp, {KEY} in a value is replaced by a workspace status value, e.g. {\"org.opencontainers.image.revision\": \"{STABLE_GIT_COMMIT}\"}, and a {KEY} without one fails the build; unstamped builds keep the text as it is."),
        "max_layers": attr.int(default = MAX_LAYERS, doc = "At most this many layers, a base image's included (at least 2)."),
        "ports": attr.string_list(doc = "Exposed ports: PORT or PORT/PROTOCOL."),
        "symlinks": attr.string_dict(doc = "PATH = TARGET symlinks in the image's root layer, e.g. {\"/bin\": \"{app}/bin\"}; one into the built path goes into the top layer, which changes with it anyway, so the root layer stays the same across edits."),
        "user": attr.string(doc = "USER or USER:GROUP to run as; /etc/passwd and /etc/group get the account."),
        "workdir": attr.string(doc = "The working directory."),
        "_stamp": attr.label(default = "//rules/private:stamp"),
    },
    toolchains = [NIXPY_TOOLCHAIN],
)
