"""Analysis tests of nixpy_resolve: a generated script and no build action, for a lock of this workspace only."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("@bazel_skylib//rules:write_file.bzl", "write_file")
load("//rules:defs.bzl", "nixpy_resolve")
load(":helpers.bzl", "FIXTURE_TAGS", "assert_contains", "mnemonics", "one_action", "short_paths")

# The actions Bazel registers for an executable's runfiles tree.
_RUNFILES_MNEMONICS = ["Middleman", "RepoMappingManifest", "SourceSymlinkManifest", "SymlinkTree"]

def _resolve_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    executable = target[DefaultInfo].files_to_run.executable
    asserts.equals(env, analysistest.target_under_test(env).label.name + ".sh", executable.basename, "the executable")

    # Resolving needs the network: it happens when the script runs, never as a build action.
    built = [m for m in mnemonics(env) if m not in _RUNFILES_MNEMONICS]
    asserts.equals(env, ["TemplateExpand"], built, "the only kind of action besides the runfiles tree's")
    action = one_action(env, "TemplateExpand")
    if not action:
        return analysistest.end(env)
    subs = action.substitutions
    asserts.equals(env, ctx.attr.expected_flags, subs.get("{flags}"), "{flags}, each shell-quoted")
    asserts.equals(env, str(target.label), subs.get("{label}"), "{label}")
    asserts.equals(env, ctx.workspace_name, subs.get("{workspace}"), "{workspace}")
    assert_contains(env, short_paths(target[DefaultInfo].default_runfiles.files), subs.get("{nixpy}"), "runfiles (the script's nixpy)")
    return analysistest.end(env)

nixpy_resolve_test = analysistest.make(
    _resolve_test_impl,
    attrs = {"expected_flags": attr.string(doc = "The expected {flags} substitution.")},
)

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.expected)
    return analysistest.end(env)

nixpy_resolve_failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"expected": attr.string(doc = "A part of the expected analysis error.")},
)

def resolve_test_suite(name):
    """Declares nixpy_resolve's fixtures and analysis tests, and a test_suite of them.

    Args:
      name: The test_suite's name.
    """
    nixpy_resolve(
        name = "resolve_full",
        lock = "app/requirements.txt",
        pyproject = "app/pyproject.toml",
        index_url = "https://pypi.example/simple/",
        extra_index_urls = ["https://a.example/simple/", "https://b.example/simple/"],
        tags = FIXTURE_TAGS,
    )
    nixpy_resolve(
        name = "resolve_lock_only",
        lock = "app/requirements.txt",
        tags = FIXTURE_TAGS,
    )
    write_file(
        name = "generated_requirements",
        out = "generated_requirements.txt",
        content = ["six==1.16.0"],
        tags = FIXTURE_TAGS,
    )
    nixpy_resolve(
        name = "resolve_generated_lock",
        lock = ":generated_requirements",
        tags = FIXTURE_TAGS,
    )
    nixpy_resolve(
        name = "resolve_external_lock",
        lock = "@bazel_skylib//:LICENSE",
        tags = FIXTURE_TAGS,
    )

    package = native.package_name()
    nixpy_resolve_test(
        name = "nixpy_resolve_full_test",
        target_under_test = ":resolve_full",
        expected_flags = " ".join(["'{}'".format(f) for f in [
            "--lock",
            package + "/app/requirements.txt",
            "--pyproject",
            package + "/app/pyproject.toml",
            "--index-url",
            "https://pypi.example/simple/",
            "--extra-index-url",
            "https://a.example/simple/",
            "--extra-index-url",
            "https://b.example/simple/",
        ]]),
    )
    nixpy_resolve_test(
        name = "nixpy_resolve_lock_only_test",
        target_under_test = ":resolve_lock_only",
        expected_flags = "'--lock' '{}/app/requirements.txt'".format(package),
    )
    nixpy_resolve_failure_test(
        name = "nixpy_resolve_generated_lock_test",
        target_under_test = ":resolve_generated_lock",
        expected = "must be a source file of this workspace",
    )
    nixpy_resolve_failure_test(
        name = "nixpy_resolve_external_lock_test",
        target_under_test = ":resolve_external_lock",
        expected = "must be a source file of this workspace",
    )
    native.test_suite(
        name = name,
        tests = [
            ":nixpy_resolve_full_test",
            ":nixpy_resolve_lock_only_test",
            ":nixpy_resolve_generated_lock_test",
            ":nixpy_resolve_external_lock_test",
        ],
    )
