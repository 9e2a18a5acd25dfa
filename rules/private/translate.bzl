"""py_nix_translate: pyproject.toml and its lock file to a Nix expression (a pure, cacheable action)."""

load("//rules:providers.bzl", "NixPyExprInfo")
load(":defaults.bzl", "SYSTEM")
load(":toolchain.bzl", "NIXPY_TOOLCHAIN", "nixpy_tool")

def _py_nix_translate_impl(ctx):
    name = ctx.label.name
    out = ctx.actions.declare_file(name if name.endswith(".nix") else name + ".nix")
    args = ctx.actions.args()
    args.add("translate")
    args.add("--pyproject", ctx.file.pyproject)
    args.add("--mode", ctx.attr.mode)
    inputs = [ctx.file.pyproject]
    if ctx.attr.python:
        args.add("--python", ctx.attr.python)
    elif ctx.file.python_version_file:
        args.add("--python-version-file", ctx.file.python_version_file)
        inputs.append(ctx.file.python_version_file)
    args.add("--system", ctx.attr.system)
    if ctx.attr.libc:
        args.add("--libc", ctx.attr.libc)
    if ctx.attr.extras:
        args.add_joined("--extras", ctx.attr.extras, join_with = ",")
    if ctx.attr.groups:
        args.add_joined("--groups", ctx.attr.groups, join_with = ",")
    if ctx.attr.version:
        args.add("--project-version", ctx.attr.version)
    for prefix, mirror in sorted(ctx.attr.url_rewrites.items()):
        args.add("--url-rewrite", "{}={}".format(prefix, mirror))

    # translate reads the local packages' pyproject.toml files beside the lock.
    inputs.extend([f for f in ctx.files.local_packages if f.basename == "pyproject.toml"])
    if ctx.file.lock:
        args.add("--lock", ctx.file.lock)
        inputs.append(ctx.file.lock)
    elif ctx.attr.mode == "lock":
        fail("{}: mode = \"lock\" needs a lock file (lock = \"uv.lock\", \"poetry.lock\", ...)".format(ctx.label))
    if ctx.file.artifacts:
        args.add("--artifacts", ctx.file.artifacts)
        inputs.append(ctx.file.artifacts)
    project_name = ctx.actions.declare_file(name.removesuffix(".nix") + ".project_name")
    args.add("--project-name-out", project_name)
    distributions = ctx.actions.declare_file(name.removesuffix(".nix") + ".distributions.json")
    args.add("--distributions-out", distributions)
    args.add("-o", out)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = inputs,
        outputs = [out, project_name, distributions],
        mnemonic = "NixPyTranslate",
        progress_message = "Translating %{label} to Nix",
    )
    return [
        DefaultInfo(files = depset([out])),
        NixPyExprInfo(
            distributions = distributions,
            nix_file = out,
            project_name = project_name,
            pyproject = ctx.file.pyproject,
            srcs = depset([ctx.file.pyproject] + ctx.files.srcs + ctx.files.local_packages),
        ),
    ]

py_nix_translate = rule(
    implementation = _py_nix_translate_impl,
    doc = """Translates a Python project's pyproject.toml (and lock file) into a Nix expression with `nixpy translate`.

Besides `NAME.nix` it writes `NAME.distributions.json`, the locked distributions the expression builds (name,
version, artifact URL and sha256, the lock's edges), from which an image's SBOM lists them.""",
    attrs = {
        "artifacts": attr.label(
            allow_single_file = [".toml"],
            doc = "The file a nixpy_resolve target wrote for the lock: file names and URLs of the hashes it pins without them.",
        ),
        "extras": attr.string_list(doc = "Extras of the project to install."),
        "groups": attr.string_list(doc = "Dependency groups to install (PEP 735, Poetry, PDM, uv); dev groups are off unless named."),
        "libc": attr.string(doc = "The libc wheels must run on: glibc-2.Y or musl-1.Y; empty for nixpy's default."),
        "local_packages": attr.label_list(
            allow_files = True,
            doc = "The files of the lock's local packages (uv workspace members, editable and path dependencies), each package's pyproject.toml among them, at their places in the workspace; each is built as a derivation of its own, so an edit in one rebuilds only what depends on it.",
        ),
        "lock": attr.label(allow_single_file = True, doc = "The lock file: uv.lock, poetry.lock, pdm.lock, pylock.toml or requirements.txt with hashes."),
        "mode": attr.string(
            default = "lock",
            values = ["lock", "nixpkgs"],
            doc = "lock: every dependency pinned to the lock's artifacts; nixpkgs: dependencies from nixpkgs' Python set.",
        ),
        "pyproject": attr.label(allow_single_file = ["pyproject.toml"], mandatory = True, doc = "The project's pyproject.toml."),
        "python": attr.string(
            doc = "The CPython version, X.Y or X.Y.Z, that markers and wheels are chosen for; the expression defaults to nixpkgs' `python3XY` for it (never `python3`). Empty: the version of `python_version_file`, else the newest CPython nixpkgs ships (3.10 to 3.14) that the project's and the lock's requires-python allow; translation fails naming both ranges when none fits.",
        ),
        "python_version_file": attr.label(
            allow_single_file = True,
            doc = "The project's `.python-version` (uv's convention: its first line that is not a comment, `3.12` or `3.12.7`), used when `python` is empty.",
        ),
        "srcs": attr.label_list(allow_files = True, doc = "The project's sources under pyproject.toml's directory, for the application derivation."),
        "system": attr.string(default = SYSTEM, doc = "The Nix system to build for."),
        "url_rewrites": attr.string_dict(doc = "Artifact URL prefix to mirror prefix, e.g. {\"https://files.pythonhosted.org/\": \"https://mirror.example/\"}."),
        "version": attr.string(
            doc = "The project's version when pyproject.toml leaves it dynamic and version control computes it (setuptools-scm, hatch-vcs, pdm-backend's scm source, uv-dynamic-versioning): a Nix build sees no .git, so the build is handed this version instead, and nixpkgs checks that the built metadata carries it. Local packages versioned from the same repository get it too. Not needed for a version the lock records or a backend reads from a file (hatchling's path, setuptools' attr or file, flit's __version__, pdm-backend's file source): nixpy reads those itself.",
        ),
    },
    toolchains = [NIXPY_TOOLCHAIN],
)
