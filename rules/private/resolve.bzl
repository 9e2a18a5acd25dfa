"""nixpy_resolve: a runnable target that resolves a lock's hashes through a package index into the source tree."""

load(":toolchain.bzl", "NIXPY_RUN_TOOLCHAIN", "nixpy_run_executable", "nixpy_run_runfiles")

def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _nixpy_resolve_impl(ctx):
    lock = ctx.file.lock

    # The file is written beside the lock in the workspace, so the lock must be one of its source files.
    if not lock.is_source or lock.owner.workspace_name:
        fail("{}: lock {} must be a source file of this workspace: nixpy_resolve writes the resolved file beside it".format(ctx.label, lock.owner))
    flags = ["--lock", lock.short_path]
    if ctx.file.pyproject:
        flags += ["--pyproject", ctx.file.pyproject.short_path]
    if ctx.attr.index_url:
        flags += ["--index-url", ctx.attr.index_url]
    for url in ctx.attr.extra_index_urls:
        flags += ["--extra-index-url", url]
    nixpy = nixpy_run_executable(ctx)
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        is_executable = True,
        substitutions = {
            "{flags}": " ".join([_quote(f) for f in flags]),
            "{label}": str(ctx.label),
            "{nixpy}": nixpy.short_path,
            "{workspace}": ctx.workspace_name,
        },
    )
    runfiles = ctx.runfiles(files = [nixpy]).merge(nixpy_run_runfiles(ctx))
    return [DefaultInfo(executable = script, runfiles = runfiles)]

nixpy_resolve = rule(
    implementation = _nixpy_resolve_impl,
    executable = True,
    doc = """Resolves the files of a lock's hashes through a package index: `bazel run //app:resolve`.

A requirements.txt of `name==version --hash=...` pins (as pip-compile and `uv pip compile --generate-hashes` write
it), a poetry.lock or a pdm.lock records hashes but no file URLs, and a build has no network to look them up. This
target runs `nixpy resolve` outside the build: it finds each hash on the index's simple API (PEP 691 JSON or PEP 503
HTML) and writes the file names and URLs beside the lock, in the source tree (`requirements.txt` gives
`requirements.resolved.toml`), as `uv export` writes a file to review and commit. Give that file to py_nix_image's
`artifacts`, and run this target again whenever the lock changes.

The indexes are `index_url` and `extra_index_urls`, else the lock's own `--index-url`/`--extra-index-url` lines,
else pyproject's Poetry or PDM sources, else PyPI. Index pages are cached in `$XDG_CACHE_HOME/nixpy` (default
`~/.cache/nixpy`). Arguments after `--` go to `nixpy resolve`, e.g. `--index-url=https://mirror.example/simple/`.""",
    attrs = {
        "extra_index_urls": attr.string_list(doc = "More indexes to look in after the main one."),
        "index_url": attr.string(doc = "The main index's simple API URL, e.g. https://pypi.org/simple/; default the lock's own, else PyPI."),
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "The lock file: requirements.txt with hashes, poetry.lock or pdm.lock; a source file of this workspace."),
        "pyproject": attr.label(allow_single_file = ["pyproject.toml"], doc = "The project's pyproject.toml, for the indexes of its [[tool.poetry.source]] or [[tool.pdm.source]] tables."),
        "_template": attr.label(default = "//rules/private:resolve.sh.tpl", allow_single_file = True),
    },
    toolchains = [NIXPY_RUN_TOOLCHAIN],
)
