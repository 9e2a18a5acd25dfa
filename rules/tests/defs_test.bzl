"""Analysis tests of the py_nix_image macro: its three targets, what it passes to each and its defaults."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "py_nix_image")
load("//rules:providers.bzl", "NixPyClosureInfo", "NixPyExprInfo", "NixPyImageInfo")
load(
    ":helpers.bzl",
    "FIXTURE_TAGS",
    "UNSTAMPED",
    "actions_of",
    "assert_contains",
    "assert_flag_absent",
    "flag_values",
    "one_action",
    "paths",
    "pkg_path",
)

def _optional(value):
    """Returns [value], or [] for an empty string: the expected values of a flag that may be absent."""
    return [value] if value else []

def _macro_translation_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[NixPyExprInfo]
    image = ctx.attr.image_name
    asserts.equals(env, pkg_path(env, image + ".nix"), info.nix_file.short_path, "the expression")
    asserts.equals(env, pkg_path(env, image + ".project_name"), info.project_name.short_path, "project_name")
    action = one_action(env, "NixPyTranslate")
    if not action:
        return analysistest.end(env)
    argv = action.argv
    asserts.equals(env, [ctx.attr.expected_mode], flag_values(argv, "--mode"), "--mode")
    asserts.equals(env, _optional(ctx.attr.expected_lock and pkg_path(env, ctx.attr.expected_lock)), flag_values(argv, "--lock"), "--lock")
    asserts.equals(env, _optional(ctx.attr.expected_python), flag_values(argv, "--python"), "--python")
    asserts.equals(
        env,
        _optional(ctx.attr.expected_version_file and pkg_path(env, ctx.attr.expected_version_file)),
        flag_values(argv, "--python-version-file"),
        "--python-version-file",
    )
    return analysistest.end(env)

macro_translation_test = analysistest.make(
    _macro_translation_test_impl,
    attrs = {
        "expected_lock": attr.string(doc = "The lock file's path in the package; empty for none."),
        "expected_mode": attr.string(doc = "The expected --mode."),
        "expected_python": attr.string(doc = "The expected --python; empty for none."),
        "expected_version_file": attr.string(doc = "The expected .python-version's path in the package; empty for none."),
        "image_name": attr.string(doc = "The py_nix_image's name."),
    },
)

def _macro_closure_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[NixPyClosureInfo]
    asserts.equals(env, pkg_path(env, "macro_lock.project_name"), info.project_name.short_path, "project_name of the translation")
    asserts.equals(env, "x86_64-linux", info.system, "system")
    action = one_action(env, "NixBuild")
    if not action:
        return analysistest.end(env)
    argv = action.argv
    asserts.equals(env, ["python312"], flag_values(argv, "--interpreter"), "interpreter is passed to nixpy_nix_build")
    assert_contains(env, argv, "app", "argv (the attribute the macro builds)")
    expression = [p for p in paths(action.inputs) if p.endswith("/" + pkg_path(env, "macro_lock.nix"))]
    asserts.equals(env, 1, len(expression), "the translated expression is an input")
    assert_contains(env, paths(action.inputs), pkg_path(env, "app/src/app/__init__.py"), "NixBuild inputs (srcs)")
    return analysistest.end(env)

macro_closure_test = analysistest.make(_macro_closure_test_impl)

def _macro_image_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[NixPyImageInfo]
    asserts.equals(env, pkg_path(env, "macro_lock.project_name"), info.project_name.short_path, "project_name of the translation")
    asserts.equals(env, "macro_lock.oci", info.layout.basename, "layout")
    asserts.equals(env, 4, len(actions_of(env, "NixPyImageLayer")), "max_layers is passed to nix_image")
    plan = one_action(env, "NixPyImagePlan")
    if plan:
        asserts.equals(env, ["4"], flag_values(plan.argv, "--max-layers"))
        asserts.equals(env, [json.encode(["{app}/bin/serve"])], flag_values(plan.argv, "--entrypoint"))
        assert_flag_absent(env, plan.argv, "--bin-entrypoint")
        asserts.equals(env, ["PORT=8000"], flag_values(plan.argv, "--env"))
        closure = [p for p in paths(plan.inputs) if p.endswith("/" + pkg_path(env, "macro_lock.closure.closure.json"))]
        asserts.equals(env, 1, len(closure), "the closure of <name>.closure is a plan input")
    return analysistest.end(env)

macro_image_test = analysistest.make(_macro_image_test_impl, config_settings = UNSTAMPED)

def _macro_environment_closure_test_impl(ctx):
    env = analysistest.begin(ctx)
    build = one_action(env, "NixBuild")
    if build:
        asserts.equals(env, ["env"], flag_values(build.argv, "--attr"), "environment = True builds the translation's env")
    asserts.true(env, analysistest.target_under_test(env)[NixPyClosureInfo].python_env, "python_env of the closure")
    return analysistest.end(env)

macro_environment_closure_test = analysistest.make(_macro_environment_closure_test_impl)

def _macro_environment_test_impl(ctx):
    env = analysistest.begin(ctx)
    plan = one_action(env, "NixPyImagePlan")
    if plan:
        assert_contains(env, plan.argv, "--python-env", "plan argv")
        assert_flag_absent(env, plan.argv, "--bin-entrypoint")
        assert_flag_absent(env, plan.argv, "--entrypoint")
    return analysistest.end(env)

macro_environment_test = analysistest.make(_macro_environment_test_impl, config_settings = UNSTAMPED)

def defs_test_suite(name):
    """Declares py_nix_image fixtures and analysis tests of the targets the macro makes, and a test_suite of them.

    Expects the package to declare `fake_nixpkgs`, a nixpkgs-shaped filegroup, and to hold app/pyproject.toml
    with an app/.python-version beside it.

    Args:
      name: The test_suite's name.
    """
    package = native.package_name()
    py_nix_image(
        name = "macro_lock",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        srcs = ["app/src/app/__init__.py"],
        nixpkgs = ":fake_nixpkgs",
        interpreter = "python312",
        entrypoint = ["{app}/bin/serve"],
        env = {"PORT": "8000"},
        max_layers = 4,
        tags = FIXTURE_TAGS,
    )
    py_nix_image(
        name = "macro_nixpkgs",
        pyproject = ":app/pyproject.toml",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    py_nix_image(
        name = "macro_python",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        python = "3.11",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    py_nix_image(
        name = "macro_environment",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        nixpkgs = ":fake_nixpkgs",
        environment = True,
        tags = FIXTURE_TAGS,
    )
    py_nix_image(
        name = "macro_label",
        pyproject = "//{}:app/pyproject.toml".format(package),
        lock = "app/uv.lock",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )

    # A lock gives lock mode, and the .python-version beside pyproject is found.
    macro_translation_test(
        name = "py_nix_image_lock_translation_test",
        target_under_test = ":macro_lock.nix",
        image_name = "macro_lock",
        expected_mode = "lock",
        expected_lock = "app/uv.lock",
        expected_version_file = "app/.python-version",
    )
    macro_closure_test(name = "py_nix_image_closure_test", target_under_test = ":macro_lock.closure")
    macro_image_test(name = "py_nix_image_image_test", target_under_test = ":macro_lock")

    # environment = True: the Python environment is built and run with python.
    macro_environment_closure_test(name = "py_nix_image_environment_closure_test", target_under_test = ":macro_environment.closure")
    macro_environment_test(name = "py_nix_image_environment_image_test", target_under_test = ":macro_environment")

    # No lock gives nixpkgs mode; ":file" is still a file of this package.
    macro_translation_test(
        name = "py_nix_image_nixpkgs_translation_test",
        target_under_test = ":macro_nixpkgs.nix",
        image_name = "macro_nixpkgs",
        expected_mode = "nixpkgs",
        expected_version_file = "app/.python-version",
    )

    # python wins: no .python-version is looked for.
    macro_translation_test(
        name = "py_nix_image_python_translation_test",
        target_under_test = ":macro_python.nix",
        image_name = "macro_python",
        expected_mode = "lock",
        expected_lock = "app/uv.lock",
        expected_python = "3.11",
    )

    # A pyproject given as an absolute label says nothing about this package's files.
    macro_translation_test(
        name = "py_nix_image_label_translation_test",
        target_under_test = ":macro_label.nix",
        image_name = "macro_label",
        expected_mode = "lock",
        expected_lock = "app/uv.lock",
    )
    native.test_suite(
        name = name,
        tests = [
            ":py_nix_image_lock_translation_test",
            ":py_nix_image_closure_test",
            ":py_nix_image_image_test",
            ":py_nix_image_environment_closure_test",
            ":py_nix_image_environment_image_test",
            ":py_nix_image_nixpkgs_translation_test",
            ":py_nix_image_python_translation_test",
            ":py_nix_image_label_translation_test",
        ],
    )
