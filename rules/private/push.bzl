"""nixpy_push and nixpy_load: runnable targets that push an image to a registry or load it into Docker."""

load("//rules:providers.bzl", "NixPyImageInfo")
load(":stamp.bzl", "StampSettingInfo")
load(":toolchain.bzl", "NIXPY_RUN_TOOLCHAIN", "NIXPY_TOOLCHAIN", "nixpy_run_executable", "nixpy_run_runfiles", "nixpy_tool")

def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _runfile(short_path):
    """The script's words for a runfile's absolute path, found at run time."""
    return "\"$(loc " + _quote(short_path) + ")\""

def _tags_file(ctx):
    """Writes the remote tags, one a line; with --stamp, `nixpy stamp` replaces {KEY} by workspace status values.

    Unstamped, the text stays as written and `nixpy push` skips the tags that hold a {KEY}; stamped, a {KEY}
    without a value fails the build, naming it (package tools/stamp holds the rule).
    """
    out = ctx.actions.declare_file(ctx.label.name + ".tags.txt")
    content = "".join([t + "\n" for t in ctx.attr.remote_tags])
    if not ctx.attr._stamp[StampSettingInfo].value:
        ctx.actions.write(out, content)
        return out
    template = ctx.actions.declare_file(ctx.label.name + ".tags.tpl")
    ctx.actions.write(template, content)
    args = ctx.actions.args()
    args.add("stamp")
    args.add("--in", template)
    args.add("--out", out)
    args.add("--name", "remote_tags")
    args.add("--stamp", ctx.info_file)
    args.add("--stamp", ctx.version_file)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = [template, ctx.info_file, ctx.version_file],
        outputs = [out],
        mnemonic = "NixPyStampTags",
        progress_message = "Stamping remote tags of %{label}",
    )
    return out

NixPyPushInfo = provider(
    doc = "A nixpy_push target, for run targets that act on what it pushes (nixpy_sign).",
    fields = {
        "image": "NixPyImageInfo: the image it pushes.",
        "image_label": "Label: the image target.",
        "insecure": "bool: the registry may be plain HTTP or have an unverified certificate.",
    },
)

def image_sbom(image):
    """Returns the image's SBOM (`<name>.sbom`, CycloneDX JSON) File, or None for an image without one."""
    return getattr(image, "sbom", None)

def _nixpy_push_impl(ctx):
    image = ctx.attr.image[NixPyImageInfo]
    tags = _tags_file(ctx)
    nixpy = nixpy_run_executable(ctx)
    repository = ctx.attr.repository
    name_file = []
    if repository.endswith("/"):
        if not image.project_name:
            fail("{}: repository {} ends with / but {} is not of a Python project whose name could end it".format(ctx.label, repository, ctx.attr.image.label))
        name_file = [image.project_name]
    flags = []
    if ctx.attr.insecure:
        flags.append("--insecure")
    sbom = image_sbom(image) if ctx.attr.sbom else None
    if sbom:
        flags.append("--sbom \"$(loc {})\"".format(sbom.short_path))
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        is_executable = True,
        substitutions = {
            "{flags}": " ".join(flags),
            "{image}": str(ctx.attr.image.label),
            "{layout}": image.layout.short_path,
            "{name_file}": name_file[0].short_path if name_file else "",
            "{nixpy}": nixpy.short_path,
            "{repository}": _quote(repository),
            "{tags_file}": tags.short_path,
            "{workspace}": ctx.workspace_name,
        },
    )
    runfiles = ctx.runfiles(files = [nixpy, image.layout, image.digest, tags] + name_file + ([sbom] if sbom else [])).merge(nixpy_run_runfiles(ctx))
    return [
        DefaultInfo(executable = script, runfiles = runfiles, files = depset([script, tags])),
        NixPyPushInfo(image = image, image_label = ctx.attr.image.label, insecure = ctx.attr.insecure),
    ]

nixpy_push = rule(
    implementation = _nixpy_push_impl,
    executable = True,
    doc = """Pushes an image to a registry: `bazel run //app:push`.

Only the blobs the registry lacks are uploaded; credentials come from the Docker config (~/.docker/config.json and
its credential helpers). Prints REPOSITORY@sha256:... Arguments after `--` go to `nixpy push`, e.g. `--repository`
to push elsewhere, `--tag`, `--digest-file`.

The image's SBOM (`<name>.sbom`) goes along as an OCI 1.1 referrer of the pushed manifest (artifactType
`application/vnd.cyclonedx+json`): through the registry's Referrers API, or the referrers tag `sha256-<hex>` where
the registry lacks it; `oras discover`, `crane` and scanners find it there. `sbom = False` leaves it out.""",
    attrs = {
        "image": attr.label(mandatory = True, providers = [NixPyImageInfo], doc = "The image to push (py_nix_image or nix_image)."),
        "insecure": attr.bool(doc = "Allow a registry over plain HTTP or with an unverified certificate."),
        "remote_tags": attr.string_list(
            doc = "Tags to push. With --stamp, {KEY} is replaced by a workspace status value, e.g. \"{STABLE_GIT_COMMIT}\", and a {KEY} without one fails the build; an unstamped build skips the tags that hold a {KEY}.",
        ),
        "repository": attr.string(
            mandatory = True,
            doc = "HOST/REPOSITORY to push to, e.g. ghcr.io/acme/app. Ending in / (ghcr.io/acme/), it is completed with the Python project's name from pyproject.toml.",
        ),
        "sbom": attr.bool(
            default = True,
            doc = "Push the image's SBOM as an OCI 1.1 referrer of the image (the Referrers API, or the referrers tag schema where the registry lacks it), when the image has one.",
        ),
        "_stamp": attr.label(default = "//rules/private:stamp"),
        "_template": attr.label(default = "//rules/private:push.sh.tpl", allow_single_file = True),
    },
    toolchains = [NIXPY_RUN_TOOLCHAIN, NIXPY_TOOLCHAIN],
)

def _nixpy_load_impl(ctx):
    to_load = ctx.attr.image[NixPyImageInfo].uncompressed
    nixpy = nixpy_run_executable(ctx)
    args = ["--config", _runfile(to_load.config.short_path)]
    for descriptor, tar in zip(to_load.descriptors, to_load.tars):
        args += ["--descriptor", _runfile(descriptor.short_path), "--blob", _runfile(tar.short_path)]
    if to_load.base != None:
        args += ["--base", _runfile(to_load.base)]
    args += ["--tag " + _quote(t) for t in ctx.attr.repo_tags]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        is_executable = True,
        substitutions = {
            "{args}": " ".join(args),
            "{image}": str(ctx.attr.image.label),
            "{nixpy}": nixpy.short_path,
            "{workspace}": ctx.workspace_name,
        },
    )
    runfiles = ctx.runfiles(
        files = [nixpy, to_load.config] + to_load.descriptors + to_load.tars,
        transitive_files = to_load.base_files,
    ).merge(nixpy_run_runfiles(ctx))
    return [DefaultInfo(executable = script, runfiles = runfiles)]

nixpy_load = rule(
    implementation = _nixpy_load_impl,
    executable = True,
    doc = """Loads an image into the local Docker engine: `bazel run //app:load`. Prints the image ID.

Nothing is compressed: the image's layers go to the engine as plain tars (the image's output group
`uncompressed`, whose actions are NixPyImageLayerTar), so building the target runs no gzip and writes no layout,
and the image ID is the one the pushed image has (a base image's layers go as its layout holds them). Only what
the engine lacks is sent: if it has the image, it is only tagged; on Docker's classic image store (a graph
driver: `docker info` without `driver-type: io.containerd.snapshotter.v1`), the layers it has under the newest
images of the tags' repositories are left out; on the containerd image store, every layer is sent. `nixpy load`
says on stderr how many layers and bytes it sent.""",
    attrs = {
        "image": attr.label(mandatory = True, providers = [NixPyImageInfo], doc = "The image to load."),
        "repo_tags": attr.string_list(doc = "Tags in the Docker engine, e.g. [\"app:dev\"]; default nixpy/image:ID12, the first 12 hex digits of the image ID."),
        "_template": attr.label(default = "//rules/private:load.sh.tpl", allow_single_file = True),
    },
    toolchains = [NIXPY_RUN_TOOLCHAIN],
)
