"""Analysis tests of nixpy_nix_build: the NixBuild action, its inputs, NixPyClosureInfo and the attributes it rejects."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "nixpy_nix_build", "py_nix_translate")
load("//rules:providers.bzl", "NixPyClosureInfo", "NixPyExprInfo")
load(
    ":helpers.bzl",
    "FIXTURE_TAGS",
    "assert_contains",
    "assert_contains_all",
    "assert_flag_absent",
    "assert_lacks",
    "flag_values",
    "one_action",
    "paths",
    "pkg_path",
)

_NIXPKGS_FILES = ["nixpkgs/default.nix", "nixpkgs/lib/default.nix", "nixpkgs/pkgs/top-level/all-packages.nix"]

def _nix_build_plain_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[NixPyClosureInfo]
    asserts.equals(env, "build_plain.closure.json", info.closure.basename, "closure")
    asserts.equals(env, "build_plain.out_path", info.out_path.basename, "out_path")
    asserts.equals(env, None, info.project_name, "project_name of a build of a plain .nix file")
    asserts.equals(env, "x86_64-linux", info.system, "system")
    files = target[DefaultInfo].files.to_list()
    assert_contains_all(env, files, [info.closure, info.out_path], "DefaultInfo files")
    asserts.equals(env, [info.closure], target[OutputGroupInfo].closure.to_list(), "output group closure")

    action = one_action(env, "NixBuild")
    if not action:
        return analysistest.end(env)
    assert_contains_all(env, paths(action.outputs), [info.closure.path, info.out_path.path], "NixBuild outputs")

    # Every file Nix reads is declared: the expression and all of nixpkgs.
    inputs = paths(action.inputs)
    assert_contains_all(env, inputs, [pkg_path(env, f) for f in ["expr.nix"] + _NIXPKGS_FILES], "NixBuild inputs")
    argv = action.argv
    assert_contains(env, argv, pkg_path(env, "expr.nix"), "argv")
    assert_contains(env, argv, "env", "argv (the attribute)")
    assert_contains(env, argv, "x86_64-linux", "argv (the system)")

    # nixpkgs' entry point is the shortest-path default.nix of the filegroup, not a deeper one.
    assert_contains(env, argv, pkg_path(env, "nixpkgs/default.nix"), "argv")
    assert_lacks(env, argv, pkg_path(env, "nixpkgs/lib/default.nix"), "argv")

    # Hermetic by default: no config, overlays, interpreter or packages unless given.
    for flag in ["--config", "--overlay", "--interpreter", "--package"]:
        assert_flag_absent(env, argv, flag)

    # The packages file is always written (an empty list here), for the image's plan.
    asserts.equals(env, "build_plain.packages.json", info.packages.basename, "packages")
    asserts.equals(env, [info.packages.path], flag_values(argv, "--packages-out"))
    assert_contains(env, paths(action.outputs), info.packages.path, "NixBuild outputs")

    return analysistest.end(env)

nix_build_plain_test = analysistest.make(_nix_build_plain_test_impl)

def _nix_build_options_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[NixPyClosureInfo]
    asserts.equals(env, "aarch64-linux", info.system, "system")
    action = one_action(env, "NixBuild")
    if not action:
        return analysistest.end(env)
    argv = action.argv
    asserts.equals(env, ["python312"], flag_values(argv, "--interpreter"))
    asserts.equals(env, ["bashInteractive", "python3Packages.ipython"], flag_values(argv, "--package"), "packages, in the order given")
    asserts.equals(env, [pkg_path(env, "config.nix")], flag_values(argv, "--config"))
    asserts.equals(
        env,
        [pkg_path(env, "overlay_b.nix"), pkg_path(env, "overlay_a.nix")],
        flag_values(argv, "--overlay"),
        "overlays, in the order given",
    )
    assert_contains(env, argv, "aarch64-linux", "argv (the system)")

    # A nixpkgs of a single file (rules_nixpkgs' @nixpkgs) is its entry point, whatever its name.
    assert_contains(env, argv, pkg_path(env, "nixpkgs/pkgs/top-level/all-packages.nix"), "argv")
    assert_contains_all(
        env,
        paths(action.inputs),
        [pkg_path(env, f) for f in ["config.nix", "overlay_a.nix", "overlay_b.nix", "nixpkgs/pkgs/top-level/all-packages.nix"]],
        "NixBuild inputs",
    )
    return analysistest.end(env)

nix_build_options_test = analysistest.make(_nix_build_options_test_impl)

def _nix_build_attribute_path_test_impl(ctx):
    env = analysistest.begin(ctx)
    action = one_action(env, "NixBuild")
    if action:
        asserts.equals(env, ["pkgsMusl.python3_12-minimal"], flag_values(action.argv, "--interpreter"))
    return analysistest.end(env)

nix_build_attribute_path_test = analysistest.make(_nix_build_attribute_path_test_impl)

def _nix_build_translated_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[NixPyClosureInfo]
    expr = ctx.attr.translation[NixPyExprInfo]
    asserts.equals(env, expr.project_name, info.project_name, "project_name comes from the translation")
    action = one_action(env, "NixBuild")
    if not action:
        return analysistest.end(env)

    # The translated expression and every source of the project and its local packages are inputs.
    assert_contains_all(
        env,
        paths(action.inputs),
        [expr.nix_file.path] + [f.path for f in expr.srcs.to_list()],
        "NixBuild inputs",
    )
    assert_contains(env, action.argv, expr.nix_file.path, "argv")
    return analysistest.end(env)

nix_build_translated_test = analysistest.make(
    _nix_build_translated_test_impl,
    attrs = {"translation": attr.label(providers = [NixPyExprInfo])},
)

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.expected)
    return analysistest.end(env)

nix_build_failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"expected": attr.string(doc = "A part of the expected analysis error.")},
)

def nix_build_test_suite(name):
    """Declares nixpy_nix_build's fixtures and analysis tests, and a test_suite of them.

    Expects the package to declare `fake_nixpkgs` (a filegroup of nixpkgs/**) and `not_nixpkgs` (files with no
    default.nix).

    Args:
      name: The test_suite's name.
    """
    nixpy_nix_build(
        name = "build_plain",
        src = "expr.nix",
        attr = "env",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    native.filegroup(
        name = "single_file_nixpkgs",
        srcs = ["nixpkgs/pkgs/top-level/all-packages.nix"],
        tags = FIXTURE_TAGS,
    )
    nixpy_nix_build(
        name = "build_options",
        src = "expr.nix",
        nixpkgs = ":single_file_nixpkgs",
        nixpkgs_config = "config.nix",
        nixpkgs_overlays = ["overlay_b.nix", "overlay_a.nix"],
        interpreter = "python312",
        packages = ["bashInteractive", "python3Packages.ipython"],
        system = "aarch64-linux",
        tags = FIXTURE_TAGS,
    )
    nixpy_nix_build(
        name = "build_attribute_path",
        src = "expr.nix",
        nixpkgs = ":fake_nixpkgs",
        interpreter = "pkgsMusl.python3_12-minimal",
        tags = FIXTURE_TAGS,
    )
    py_nix_translate(
        name = "build_translated.nix",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        srcs = ["app/src/app/__init__.py"],
        local_packages = ["app/member/pyproject.toml", "app/member/member.py"],
        tags = FIXTURE_TAGS,
    )
    nixpy_nix_build(
        name = "build_translated",
        src = ":build_translated.nix",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )

    # Attributes nixpy_nix_build rejects at analysis.
    for fixture, interpreter in [
        ("build_interpreter_version", "3.12"),
        ("build_interpreter_expression", "python312; rm -rf /"),
        ("build_interpreter_empty_part", "pkgs..python312"),
        ("build_interpreter_nix_call", "(import <nixpkgs> {}).python3"),
    ]:
        nixpy_nix_build(
            name = fixture,
            src = "expr.nix",
            nixpkgs = ":fake_nixpkgs",
            interpreter = interpreter,
            tags = FIXTURE_TAGS,
        )
        nix_build_failure_test(
            name = fixture + "_test",
            target_under_test = ":" + fixture,
            expected = "interpreter {}: want a nixpkgs attribute path".format(repr(interpreter)),
        )
    for fixture, package in [
        ("build_package_expression", "bash; rm -rf /"),
        ("build_package_empty_part", "python3Packages..ipython"),
    ]:
        nixpy_nix_build(
            name = fixture,
            src = "expr.nix",
            nixpkgs = ":fake_nixpkgs",
            packages = ["coreutils", package],
            tags = FIXTURE_TAGS,
        )
        nix_build_failure_test(
            name = fixture + "_test",
            target_under_test = ":" + fixture,
            expected = "packages: {}: want a nixpkgs attribute path".format(repr(package)),
        )
    nixpy_nix_build(
        name = "build_without_default_nix",
        src = "expr.nix",
        nixpkgs = ":not_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    py_nix_translate(
        name = "build_external_source.nix",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        srcs = ["app/src/app/__init__.py", "@bazel_skylib//:LICENSE"],
        tags = FIXTURE_TAGS,
    )
    nixpy_nix_build(
        name = "build_external_source",
        src = ":build_external_source.nix",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    nixpy_nix_build(
        name = "build_not_nix",
        src = "app/uv.lock",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )

    nix_build_plain_test(name = "nix_build_plain_test", target_under_test = ":build_plain")
    nix_build_options_test(name = "nix_build_options_test", target_under_test = ":build_options")
    nix_build_attribute_path_test(name = "nix_build_attribute_path_test", target_under_test = ":build_attribute_path")
    nix_build_translated_test(
        name = "nix_build_translated_test",
        target_under_test = ":build_translated",
        translation = ":build_translated.nix",
    )
    nix_build_failure_test(
        name = "build_without_default_nix_test",
        target_under_test = ":build_without_default_nix",
        expected = "has no default.nix",
    )
    nix_build_failure_test(
        name = "build_external_source_test",
        target_under_test = ":build_external_source",
        expected = "is in another repository",
    )
    nix_build_failure_test(
        name = "build_not_nix_test",
        target_under_test = ":build_not_nix",
        expected = "expected .nix",
    )
    native.test_suite(
        name = name,
        tests = [
            ":nix_build_plain_test",
            ":nix_build_options_test",
            ":nix_build_attribute_path_test",
            ":nix_build_translated_test",
            ":build_interpreter_version_test",
            ":build_interpreter_expression_test",
            ":build_interpreter_empty_part_test",
            ":build_interpreter_nix_call_test",
            ":build_package_expression_test",
            ":build_package_empty_part_test",
            ":build_without_default_nix_test",
            ":build_external_source_test",
            ":build_not_nix_test",
        ],
    )
