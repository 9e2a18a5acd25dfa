"""nixpy_sign: a runnable target that pushes an image, signs it with cosign and attests its SBOM and provenance."""

load(":cosign.bzl", "COSIGN_TOOLCHAIN", "cosign_executable", "cosign_runfiles")
load(":push.bzl", "NixPyPushInfo", "image_sbom")
load(":stamp.bzl", "StampSettingInfo")
load(":toolchain.bzl", "NIXPY_RUN_TOOLCHAIN", "NIXPY_TOOLCHAIN", "nixpy_run_executable", "nixpy_run_runfiles", "nixpy_tool")

def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _provenance(ctx, image):
    """Writes the SLSA provenance predicate (`nixpy provenance`); stamped, it names the source commit."""
    out = ctx.actions.declare_file(ctx.label.name + ".provenance.json")
    args = ctx.actions.args()
    args.add("provenance")
    args.add("--out", out)
    args.add("--builder-id", ctx.attr.builder_id)
    args.add("--image", str(ctx.attr.push[NixPyPushInfo].image_label))
    args.add("--image-digest-file", image.digest)
    inputs = [image.digest]
    for flag, f in [("--pyproject", ctx.file.pyproject), ("--lock", ctx.file.lock)]:
        if f:
            args.add(flag, f)
            inputs.append(f)
    if ctx.attr.nixpkgs_revision:
        args.add("--nixpkgs-revision", ctx.attr.nixpkgs_revision)
    args.add("--commit", ctx.attr.commit)
    if ctx.attr.source:
        args.add("--source", ctx.attr.source)
    if ctx.attr._stamp[StampSettingInfo].value:
        args.add("--stamp", ctx.info_file)
        args.add("--stamp", ctx.version_file)
        inputs += [ctx.info_file, ctx.version_file]
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "NixPyProvenance",
        progress_message = "Writing the provenance of %{label}",
    )
    return out

def _nixpy_sign_impl(ctx):
    push = ctx.attr.push[NixPyPushInfo]
    image = push.image
    nixpy = nixpy_run_executable(ctx)
    cosign = cosign_executable(ctx)
    flags = []
    if ctx.attr.key:
        flags.append("--key " + _quote(ctx.attr.key))
    if not ctx.attr.tlog_upload:
        flags.append("--tlog-upload=false")
    if push.insecure:
        flags.append("--insecure")
    files = [nixpy, cosign, ctx.executable.push]
    sbom = image_sbom(image) if ctx.attr.sbom else None
    if sbom:
        flags.append("--sbom \"$(loc {})\"".format(sbom.short_path))
        files.append(sbom)
    provenance = None
    if ctx.attr.provenance:
        provenance = _provenance(ctx, image)
        flags.append("--provenance \"$(loc {})\"".format(provenance.short_path))
        files.append(provenance)
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        is_executable = True,
        substitutions = {
            "{cosign}": cosign.short_path,
            "{flags}": " ".join(flags),
            "{image}": str(push.image_label),
            "{nixpy}": nixpy.short_path,
            "{push}": ctx.executable.push.short_path,
            "{workspace}": ctx.workspace_name,
        },
    )
    runfiles = ctx.runfiles(files = files).merge_all([
        ctx.attr.push[DefaultInfo].default_runfiles,
        nixpy_run_runfiles(ctx),
        cosign_runfiles(ctx),
    ])
    return [DefaultInfo(executable = script, runfiles = runfiles, files = depset([script] + ([provenance] if provenance else [])))]

nixpy_sign = rule(
    implementation = _nixpy_sign_impl,
    executable = True,
    doc = """Pushes an image with its nixpy_push target, then signs the pushed digest with cosign and attests the image's SBOM and a SLSA provenance statement: `bazel run //app:sign`.

    nixpy_sign(name = "sign", push = ":push", key = "cosign.key", lock = "uv.lock", pyproject = "pyproject.toml")

What cosign makes is its own: a signature (`cosign verify --key cosign.pub IMAGE`), a CycloneDX attestation of the
SBOM (`cosign verify-attestation --type cyclonedx`) and a SLSA provenance v1 attestation (`--type slsaprovenance1`)
whose predicate `nixpy provenance` writes: the builder, pyproject.toml's and the lock's SHA-256, the nixpkgs
revision when given, the source commit when the build is stamped (`--stamp`), the image's digest. Without `key`
the signing is keyless: cosign takes the OIDC identity of the environment, e.g. GitHub Actions' with
`permissions: id-token: write` (docs/ci.md). cosign comes from the cosign toolchain (the `cosign` module
extension). Arguments after `--` go to `nixpy sign`, e.g. `--key`.""",
    attrs = {
        "builder_id": attr.string(
            default = "https://github.com/nixpy/rules_nixpy/nixpy_sign",
            doc = "The provenance's builder id, a URI naming the build platform, e.g. your CI workflow's URL.",
        ),
        "commit": attr.string(
            default = "{STABLE_GIT_COMMIT}",
            doc = "The source commit in the provenance: a workspace status {KEY} replaced when the build is stamped (a stamped build whose status lacks the key fails, naming it); unstamped it is left out. \"\" leaves it out always.",
        ),
        "key": attr.string(
            doc = "cosign's --key: a private key file relative to the workspace (kept out of Bazel's outputs; COSIGN_PASSWORD from the environment unlocks it), a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://) or env://VAR. Empty signs keyless.",
        ),
        "lock": attr.label(allow_single_file = True, doc = "The project's lock file, whose SHA-256 the provenance records."),
        "nixpkgs_revision": attr.string(doc = "The nixpkgs commit the image is built with, for the provenance."),
        "provenance": attr.bool(default = True, doc = "Attest a SLSA provenance v1 statement (`cosign attest --type slsaprovenance1`)."),
        "push": attr.label(
            mandatory = True,
            executable = True,
            cfg = "target",
            providers = [NixPyPushInfo],
            doc = "The nixpy_push target: run first, it pushes the image (only what the registry lacks) and reports the digest to sign.",
        ),
        "pyproject": attr.label(allow_single_file = True, doc = "The project's pyproject.toml, whose SHA-256 the provenance records."),
        "sbom": attr.bool(default = True, doc = "Attest the image's SBOM (`cosign attest --type cyclonedx`), when the image has one."),
        "source": attr.string(doc = "The source repository's URL for the provenance, e.g. https://github.com/acme/app; may hold a workspace status {KEY}."),
        "tlog_upload": attr.bool(
            default = True,
            doc = "Record the signature and attestations in the public Rekor transparency log. False for private images or offline registries; verifiers then pass --insecure-ignore-tlog.",
        ),
        "_stamp": attr.label(default = "//rules/private:stamp"),
        "_template": attr.label(default = "//rules/private:sign.sh.tpl", allow_single_file = True),
    },
    toolchains = [NIXPY_RUN_TOOLCHAIN, NIXPY_TOOLCHAIN, COSIGN_TOOLCHAIN],
)
