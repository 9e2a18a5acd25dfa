"""nix_image: a layered OCI image from a Nix closure, planned, built layer by layer and assembled by nixpy."""

load("//rules:providers.bzl", "NixPyClosureInfo", "NixPyImageInfo")
load(":defaults.bzl", "MAX_LAYERS")
load(":stamp.bzl", "StampSettingInfo")
load(":toolchain.bzl", "NIXPY_TOOLCHAIN", "nixpy_tool")

def _kv_flags(args, flag, d):
    for k, v in sorted(d.items()):
        args.add(flag, "{}={}".format(k, v))

def _ref_name(ctx):
    """The image's name in index.json: ref_name, else the target's name made a valid one.

    The OCI layout's grammar joins letters and digits with one of - . _ : @ + (or --): a run of other
    characters, or of several separators, becomes one "-" (a lone - . _ + @, or --, stays), leading and trailing
    ones go.
    """
    if ctx.attr.ref_name:
        return ctx.attr.ref_name
    out, run = "", ""
    for c in ctx.label.name.elems():
        if c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789":
            if run and out:
                out += run if run in ("-", ".", "_", "+", "@", "--") else "-"
            out, run = out + c, ""
        else:
            run += c
    return out

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

    # The GC root keeps what the plan reads from being garbage-collected for as long as the output base has it.
    inputs = [info.closure, info.out_path, info.gcroot]
    args.add("plan")
    args.add("--closure", info.closure)
    args.add("--top-file", info.out_path)
    args.add("--system", info.system)
    args.add("--max-layers", ctx.attr.max_layers)
    if getattr(info, "packages", None):
        args.add("--packages", info.packages)
        inputs.append(info.packages)

    # Stamped builds expand {KEY} from the workspace status; unstamped ones stay reproducible. An image
    # that names no key and derives no metadata does not take the status files, so a new commit does not
    # rebuild it.
    stamped = ctx.attr._stamp[StampSettingInfo].value
    metadata = ctx.attr.oci_metadata == "always" or (ctx.attr.oci_metadata == "stamped" and stamped)
    if metadata:
        args.add("--oci-metadata")
        if ctx.file.pyproject:
            args.add("--pyproject", ctx.file.pyproject)
            inputs.append(ctx.file.pyproject)
    if stamped and (metadata or _names_status_key(ctx)):
        args.add("--stamp", ctx.info_file)
        args.add("--stamp", ctx.version_file)
        inputs += [ctx.info_file, ctx.version_file]
    python_env = getattr(info, "python_env", False)
    if python_env:
        # Without an entrypoint, the environment's python runs, through a launcher that runs a command given first.
        args.add("--python-env")
    if ctx.attr.entrypoint:
        args.add("--entrypoint", json.encode(ctx.attr.entrypoint))
    elif not python_env:
        args.add("--bin-entrypoint")
        if info.project_name:
            args.add("--project-file", info.project_name)
            inputs.append(info.project_name)
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
    ref_name = _ref_name(ctx)
    if ref_name:
        args.add("--ref-name", ref_name)
    args.add_all(ctx.attr.ports, before_each = "--port")
    return args, inputs

def _label_text(label):
    """The label as people write it: //pkg:name in the main repository."""
    if not label.workspace_name:
        return "//{}:{}".format(label.package, label.name)
    return str(label)

def _base_layout(ctx):
    """The base image's OCI layout: the directory `--base` names, the same as a runfiles path, and a depset of the files it needs.

    A nix_image gives its layout. Any other target gives one layout through DefaultInfo: a directory (a tree
    artifact, as rules_oci's oci_image and oci_pull make), or the layout's files themselves (index.json,
    oci-layout, blobs/sha256/...), whose directory is the one holding index.json. The target's runfiles come
    along: rules_oci's oci_image may write its blobs as symlinks into its base's layout, listed there.
    """
    base = ctx.attr.base
    if not base:
        return None, None, depset()
    if NixPyImageInfo in base:
        layout = base[NixPyImageInfo].layout
        return layout.path, layout.short_path, depset([layout])
    default = base[DefaultInfo]
    files = default.files.to_list()
    inputs = depset(files, transitive = [default.default_runfiles.files])
    if len(files) == 1 and files[0].is_directory:
        return files[0].path, files[0].short_path, inputs
    indexes = [f for f in files if f.basename == "index.json"]
    if len(indexes) != 1:
        fail("{}: base {} gives {} files, {} of them index.json: want one OCI image layout, a directory or its files with one index.json".format(
            ctx.label,
            base.label,
            len(files),
            len(indexes),
        ))
    root = indexes[0].dirname
    for f in files:
        if root and not f.path.startswith(root + "/"):
            fail("{}: base {} gives {}, outside the OCI layout in {} (the directory of its index.json)".format(ctx.label, base.label, f.path, root))
    return root or ".", indexes[0].short_path.rpartition("/")[0], inputs

# The image's actions read store paths from this machine's Nix store (or, for the assembly, layers that are
# already here): a remote executor has no store, a remote or disk cache is fine.
_LOCAL = {"no-remote-exec": "1"}

def _layer_action(ctx, spec, blob_path, descriptor_path, flags, mnemonic, progress_message):
    """Declares `nixpy layer` of one spec with flags, writing the layer to blob_path and its descriptor to descriptor_path."""
    blob = ctx.actions.declare_file(blob_path)
    descriptor = ctx.actions.declare_file(descriptor_path)
    args = ctx.actions.args()
    args.add("layer")
    args.add_all(flags)
    args.add("--spec", spec)
    args.add("--blob", blob)
    args.add("--descriptor", descriptor)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = [spec],
        outputs = [blob, descriptor],
        mnemonic = mnemonic,
        progress_message = progress_message,
        execution_requirements = _LOCAL,
    )
    return blob, descriptor

def _nix_image_impl(ctx):
    # The application alone on top and at least one layer below it: fewer fails here, not in the plan action.
    if ctx.attr.max_layers < 2:
        fail("{}: max_layers = {}: an image needs at least 2 layers (the application's and one below it)".format(ctx.label, ctx.attr.max_layers))
    info = ctx.attr.closure[NixPyClosureInfo]
    base, base_short_path, base_inputs = _base_layout(ctx)

    # Outputs are declared at analysis, before the plan knows how many layers it makes: one slot per layer
    # max_layers allows; the slots a plan leaves unused (a small closure, a base's layers) stay empty.
    slots = range(ctx.attr.max_layers)
    config = ctx.actions.declare_file(ctx.label.name + ".plan/config.json")
    specs = [ctx.actions.declare_file("{}.plan/layer_{}.json".format(ctx.label.name, i)) for i in slots]
    explain_plan = ctx.actions.declare_file(ctx.label.name + ".plan/explain.json")
    args, inputs = _plan_args(ctx, info)
    args.add("--config-out", config)
    args.add("--explain-json", explain_plan)
    args.add_all(specs, before_each = "--layer-out")
    if base:
        # The base's symlinks, read from its layers once: the plan, rerun on every source edit, places its
        # entries through them without reading the layers again.
        base_links = ctx.actions.declare_file(ctx.label.name + ".plan/base_links.json")
        links_args = ctx.actions.args()
        links_args.add("base-links")
        links_args.add("--base", base)
        links_args.add("--system", info.system)
        links_args.add("--out", base_links)
        ctx.actions.run(
            executable = nixpy_tool(ctx),
            arguments = [links_args],
            inputs = base_inputs,
            outputs = [base_links],
            mnemonic = "NixPyBaseLinks",
            progress_message = "Reading the base image's symlinks for %{label}",
        )
        args.add("--base", base)
        args.add("--base-links", base_links)
        inputs.append(base_links)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = depset(inputs, transitive = [base_inputs]),
        outputs = [config, explain_plan] + specs,
        mnemonic = "NixPyImagePlan",
        progress_message = "Planning the layers of %{label}",
        execution_requirements = _LOCAL,
    )

    # One action per layer, whose only input is its spec (store paths and narHashes): an unchanged spec is an
    # action cache hit, so a source edit rebuilds the application's layer and no other. Each layer has two:
    # the compressed one for the layout (and so push), the plain tar for nixpy_load, whose engine needs no
    # compression; the image config holds only diffIDs, so both give the same image ID.
    blobs, descriptors, tars, tar_descriptors = [], [], [], []
    for i in slots:
        stem = "{}.layers/layer_{}".format(ctx.label.name, i)
        tar, tar_descriptor = _layer_action(ctx, specs[i], stem + ".tar", stem + ".tar.json", ["--uncompressed"], "NixPyImageLayerTar", "Writing the uncompressed layer {} of %{{label}}".format(i))
        tars.append(tar)
        tar_descriptors.append(tar_descriptor)
        blob, descriptor = _layer_action(ctx, specs[i], stem + ".tar.gz", stem + ".json", [], "NixPyImageLayer", "Building layer {} of %{{label}}".format(i))
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
        aargs.add("--base", base)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [aargs],
        inputs = depset([config] + descriptors + blobs, transitive = [base_inputs]),
        outputs = [layout, digest],
        mnemonic = "NixPyImage",
        progress_message = "Assembling OCI image %{label}",
        execution_requirements = _LOCAL,
    )

    # The SBOM, an action of its own after the assembly (its subject is the manifest's digest): it reads the
    # closure, the translation's locked distributions and their installed metadata, so a change of either
    # reruns it and nothing else.
    sbom = ctx.actions.declare_file(ctx.label.name + ".sbom")
    sargs = ctx.actions.args()
    sargs.add("sbom")
    sargs.add("--closure", info.closure)
    sargs.add("--top-file", info.out_path)
    sargs.add("--digest-file", digest)
    sargs.add("--name", _ref_name(ctx) or ctx.label.name)
    sargs.add("--out", sbom)
    sinputs = [info.closure, info.out_path, info.gcroot, digest]
    if getattr(info, "packages", None):
        sargs.add("--packages", info.packages)
        sinputs.append(info.packages)
    if getattr(info, "distributions", None):
        sargs.add("--distributions", info.distributions)
        sinputs.append(info.distributions)
    sbom_base_inputs = depset()
    if base:
        # The base is a component the image depends on; a base rules_nixpy built brings its own SBOM's contents.
        sargs.add("--base", base)
        sargs.add("--base-name", ctx.attr.base.label.name)
        sargs.add("--system", info.system)
        sbom_base_inputs = base_inputs
        if NixPyImageInfo in ctx.attr.base:
            sargs.add("--base-sbom", ctx.attr.base[NixPyImageInfo].sbom)
            sinputs.append(ctx.attr.base[NixPyImageInfo].sbom)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [sargs],
        inputs = depset(sinputs, transitive = [sbom_base_inputs]),
        outputs = [sbom],
        mnemonic = "NixPySBOM",
        progress_message = "Writing the SBOM of %{label}",
        execution_requirements = _LOCAL,
    )

    # The layout as one tar file, built only when the output group oci_tarball is asked for.
    tarball = ctx.actions.declare_file(ctx.label.name + ".oci.tar")
    targs = ctx.actions.args()
    targs.add("archive")
    targs.add("--layout", layout.path)
    targs.add("--out", tarball)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [targs],
        inputs = [layout],
        outputs = [tarball],
        mnemonic = "NixPyImageArchive",
        progress_message = "Archiving OCI image %{label}",
    )

    # The layers described for people, built only when the output group explain is asked for.
    explain_json = ctx.actions.declare_file(ctx.label.name + ".explain.json")
    explain_md = ctx.actions.declare_file(ctx.label.name + ".explain.md")
    eargs = ctx.actions.args()
    eargs.add("explain")
    eargs.add("--plan", explain_plan)
    eargs.add("--layout", layout.path)
    eargs.add("--name", _label_text(ctx.label))
    for other in ctx.attr.explain_compare:
        eargs.add("--other", "{}={}".format(_label_text(other.label), other[NixPyImageInfo].layout.path))
    eargs.add("--json-out", explain_json)
    eargs.add("--markdown-out", explain_md)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [eargs],
        inputs = [explain_plan, layout] + [other[NixPyImageInfo].layout for other in ctx.attr.explain_compare],
        outputs = [explain_json, explain_md],
        mnemonic = "NixPyImageExplain",
        progress_message = "Describing the layers of %{label}",
    )

    # The default output is the layout alone, one directory as rules_oci's oci_image gives: rules_oci's
    # oci_push, oci_load and oci_image's base, and rules_img's image_manifest_from_oci_layout, take a
    # target of exactly one file. The digest and the tarball are output groups of their own.
    uncompressed = struct(
        config = config,
        descriptors = tar_descriptors,
        tars = tars,
        base = base_short_path,
        base_files = base_inputs,
    )
    return [
        DefaultInfo(files = depset([layout])),
        NixPyImageInfo(layout = layout, digest = digest, project_name = info.project_name, sbom = sbom, uncompressed = uncompressed),
        OutputGroupInfo(
            digest = depset([digest]),
            explain = depset([explain_json, explain_md]),
            oci_tarball = depset([tarball]),
            sbom = depset([sbom]),
            uncompressed = depset([config] + tar_descriptors + tars),
        ),
    ]

nix_image = rule(
    implementation = _nix_image_impl,
    doc = """Assembles a layered, reproducible OCI image layout from a nixpy_nix_build closure.

Layers are planned from the closure's reference graph: popular and large store paths low, the built path alone on
top, never more than max_layers. The same group of store paths gives the byte-identical layer in any image.
"{app}" in entrypoint, cmd, env and symlinks is replaced by the built store path. Extra nixpkgs packages (a shell,
coreutils, cacert, tzdata) are the `packages` of the nixpy_nix_build given as `closure` (py_nix_image's
`packages`): their store paths are planned with the rest of the closure, and the root layer links their programs
into /bin (PATH=/bin:/usr/bin unless `env` sets PATH), /bin/sh, the CA bundle and the time zones at their
conventional places. The image's os and
architecture are those of the nixpy_nix_build's `system`.

Three kinds of actions, so Bazel's action, disk and remote caches keep the layers: `nixpy plan` (mnemonic
NixPyImagePlan) writes one spec per layer slot, the store paths with their narHashes (with a `base`, the root
layer's entries placed through the base's symlinked directories, which `nixpy base-links`, NixPyBaseLinks, reads
from the base's layers once); `nixpy layer`
(NixPyImageLayer, one action per slot, max_layers of them) builds a layer from its spec alone; `nixpy assemble`
(NixPyImage) writes the layout and its digest. A source edit changes only the top layer's spec, so it reruns
that layer's action and the assembly, not the others. Each slot also has a `nixpy layer --uncompressed` action
(NixPyImageLayerTar) writing the layer as a plain tar, which nixpy_load sends to the Docker engine: loading
builds no compressed layer and no layout, and gives the image ID the pushed image has.

Outputs: the target's one default output is `NAME.oci`, a directory holding a plain OCI image layout (oci-layout,
index.json listing one OCI image manifest, blobs/sha256/HEX), the shape rules_oci's oci_image gives: rules_oci's
oci_push and oci_load (`image`), oci_image (`base`) and rules_img's image_manifest_from_oci_layout (`src`) take
the target as it is. `NAME.digest`, the manifest's digest (sha256:...), is the output group `digest`:
`bazel build --output_groups=+digest //app:image`, or a filegroup with `output_group = "digest"`. The output
group `oci_tarball` is `NAME.oci.tar`, the same layout as one deterministic tar file (an OCI archive, for
podman load, skopeo's oci-archive: or a rule that wants a file), built only when asked for
(mnemonic NixPyImageArchive). The output group `explain` describes the layers for people (mnemonic
NixPyImageExplain): `NAME.explain.json` and `NAME.explain.md`, the Markdown a table per layer of its digest,
size, store paths with their sizes, why it sits where it does, and what it shares with the base image and with
the images of `explain_compare`: `bazel build --output_groups=explain //app:image`; see docs/layers.md.

The output group `sbom` is `NAME.sbom`, the image's software bill of materials as CycloneDX 1.6 JSON
(`nixpy sbom`, mnemonic NixPySBOM): every store path of the closure with its name, version and narHash, every
Python distribution the lock pinned (from a py_nix_translate) with its PEP 503 name, version, `pkg:pypi` purl,
artifact URL and sha256 and the license its installed metadata declares, the dependency graph from the Nix
references and the lock, and the image, `pkg:oci/NAME@sha256:...`, as its subject. The same inputs give the same
bytes. With a `base`, the base image is a component the image depends on (`pkg:oci/BASE@sha256:...`); a base
rules_nixpy built brings its own SBOM's store paths and distributions along, another base is named by its digest
alone (its contents are not listed).

The output group `uncompressed` is what nixpy_load reads: the image's planned config and its uncompressed
layers (`NAME.layers/layer_N.tar`, with `layer_N.tar.json` holding each one's diffID).""",
    attrs = {
        "annotations": attr.string_dict(doc = "OCI manifest annotations."),
        "base": attr.label(doc = """An image to build on; its layers count toward max_layers. A nix_image or py_nix_image, or
any target whose default output is one OCI image layout: a directory (rules_oci's oci_image or oci_pull, or a
rule of your own writing a tree artifact), or the layout's files (index.json, oci-layout, blobs/sha256/...), e.g.
a filegroup of a checked-in layout. A layout of several images (`crane pull --format=oci` of a multi-platform
image, rules_oci's oci_image_index, whose index.json entry is itself an index) gives the one for the nixpy_nix_build's
system; the build fails, naming the platforms it has, when there is none."""),
        "closure": attr.label(mandatory = True, providers = [NixPyClosureInfo], doc = "The nixpy_nix_build target whose closure goes into the image."),
        "cmd": attr.string_list(doc = "The image's default arguments."),
        "entrypoint": attr.string_list(doc = "The command the container runs; default: the one program in the built path's bin/, or of a Python project's several console scripts the main one (named like the project, else the first by name; `nix run`'s meta.mainProgram)."),
        "env": attr.string_dict(doc = "Environment variables of the image."),
        "explain_compare": attr.label_list(
            providers = [NixPyImageInfo],
            doc = "Other images (nix_image or py_nix_image targets) whose layers the output group `explain` compares this image's with: a layer one of them has too is marked as shared with it, e.g. the other apps of a monorepo on the same nixpkgs.",
        ),
        "labels": attr.string_dict(doc = "OCI config labels. With --stamp, {KEY} in a value is replaced by a workspace status value, e.g. {\"org.opencontainers.image.revision\": \"{STABLE_GIT_COMMIT}\"}, and a {KEY} without one fails the build; unstamped builds keep the text as it is."),
        "max_layers": attr.int(default = MAX_LAYERS, doc = "At most this many layers, a base image's included (at least 2)."),
        "oci_metadata": attr.string(
            default = "stamped",
            values = ["stamped", "always", "off"],
            doc = """When to add the standard `org.opencontainers.image.*` values, as config labels (what
`docker inspect` shows) and as manifest annotations (what registries and `crane manifest` show): title,
description, version, licenses (PEP 639's SPDX expression), url (the Homepage URL) and source (the Source or
Repository URL; PEP 753 label normalisation) from `pyproject`'s [project] or [tool.poetry] tables, and in a
stamped build revision (STABLE_GIT_COMMIT, else BUILD_SCM_REVISION), created (BUILD_TIMESTAMP, as RFC 3339) and
source (a remote URL: STABLE_GIT_REMOTE_URL, STABLE_REPO_URL or STABLE_GIT_URL, as https, credentials dropped)
from the workspace status. A key set in `labels` or `annotations` keeps its value, in both places.
"stamped" (the default): only in a `--stamp` build, so an unstamped image's digest stays what it was without
them. "always": pyproject's values in every build (deterministic: they change the digest only when
pyproject.toml does), the workspace status's when stamped. "off": none.""",
        ),
        "ports": attr.string_list(doc = "Exposed ports: PORT or PORT/PROTOCOL."),
        "pyproject": attr.label(allow_single_file = [".toml"], doc = "The Python project's pyproject.toml, whose metadata `oci_metadata` adds; py_nix_image passes its own."),
        "ref_name": attr.string(doc = """The image's name in the layout's index.json (the `org.opencontainers.image.ref.name`
annotation of its manifest's descriptor), which tools that pick an image of an OCI layout by name take:
`skopeo copy oci:bazel-bin/app/image.oci:NAME ...`, `umoci unpack --image bazel-bin/app/image.oci:NAME ...`.
Letters and digits, with one of `-`, `.`, `_`, `:`, `@`, `+` (or `--`) between them and `/` between components,
e.g. "app" or "app:1.0". Default: the target's name, any other character, or run of several, made one `-`
(`image+v2` stays, `my image` gives `my-image`). It changes index.json only: the manifest and the image's digest stay the same."""),
        "symlinks": attr.string_dict(doc = "PATH = TARGET symlinks in the image's root layer, e.g. {\"/bin\": \"{app}/bin\"}; one into the built path goes into the top layer, which changes with it anyway, so the root layer stays the same across edits."),
        "user": attr.string(doc = "USER or USER:GROUP to run as; /etc/passwd and /etc/group get the account."),
        "workdir": attr.string(doc = "The working directory."),
        "_stamp": attr.label(default = "//rules/private:stamp"),
    },
    toolchains = [NIXPY_TOOLCHAIN],
)
