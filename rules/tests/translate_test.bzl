"""Analysis tests of py_nix_translate: the NixPyTranslate action, its flags and inputs, and NixPyExprInfo."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "py_nix_translate")
load("//rules:providers.bzl", "NixPyExprInfo")
load(
    ":helpers.bzl",
    "FIXTURE_TAGS",
    "assert_contains",
    "assert_contains_all",
    "assert_flag_absent",
    "assert_lacks",
    "flag_values",
    "mnemonics",
    "one_action",
    "paths",
    "pkg_path",
    "short_paths",
)

def _translate_lock_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[NixPyExprInfo]
    package = ctx.label.package

    asserts.equals(env, package + "/translate_lock.nix", info.nix_file.short_path, "nix_file (no second .nix)")
    asserts.equals(env, package + "/translate_lock.project_name", info.project_name.short_path, "project_name")
    asserts.equals(env, pkg_path(env, "app/pyproject.toml"), info.pyproject.short_path, "pyproject")
    asserts.equals(
        env,
        sorted([pkg_path(env, p) for p in ["app/pyproject.toml", "app/src/app/__init__.py", "app/member/pyproject.toml", "app/member/member.py"]]),
        sorted(short_paths(info.srcs)),
        "srcs: pyproject, sources and local packages",
    )
    asserts.equals(env, [info.nix_file], target[DefaultInfo].files.to_list(), "DefaultInfo files")
    asserts.equals(env, ["NixPyTranslate"], mnemonics(env), "the only kind of action")

    action = one_action(env, "NixPyTranslate")
    if not action:
        return analysistest.end(env)
    argv = action.argv
    assert_contains(env, argv, "translate", "argv")
    asserts.equals(env, [pkg_path(env, "app/pyproject.toml")], flag_values(argv, "--pyproject"))
    asserts.equals(env, ["lock"], flag_values(argv, "--mode"))
    asserts.equals(env, [pkg_path(env, "app/uv.lock")], flag_values(argv, "--lock"))
    asserts.equals(env, [pkg_path(env, "app/.python-version")], flag_values(argv, "--python-version-file"))
    asserts.equals(env, ["x86_64-linux"], flag_values(argv, "--system"))
    asserts.equals(env, [info.nix_file.path], flag_values(argv, "-o"))
    asserts.equals(env, [info.project_name.path], flag_values(argv, "--project-name-out"))
    asserts.equals(env, package + "/translate_lock.distributions.json", info.distributions.short_path, "distributions")
    asserts.equals(env, [info.distributions.path], flag_values(argv, "--distributions-out"))
    for flag in ["--python", "--extras", "--groups", "--libc", "--project-version", "--url-rewrite", "--artifacts"]:
        assert_flag_absent(env, argv, flag)

    asserts.equals(env, sorted([info.nix_file.path, info.project_name.path, info.distributions.path]), sorted(paths(action.outputs)), "outputs")
    inputs = paths(action.inputs)
    assert_contains_all(
        env,
        inputs,
        [pkg_path(env, p) for p in ["app/pyproject.toml", "app/uv.lock", "app/.python-version", "app/member/pyproject.toml"]],
        "translate inputs",
    )

    # The application's sources are the nix-build's inputs, not the translation's: a source edit must not
    # rerun the translation, and a local package is read through its pyproject.toml alone.
    assert_lacks(env, inputs, pkg_path(env, "app/src/app/__init__.py"), "translate inputs")
    assert_lacks(env, inputs, pkg_path(env, "app/member/member.py"), "translate inputs")
    return analysistest.end(env)

translate_lock_test = analysistest.make(_translate_lock_test_impl)

def _translate_flags_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[NixPyExprInfo]
    asserts.equals(env, "translate_flags.nix", info.nix_file.basename, "a name without .nix gets it")
    asserts.equals(env, "translate_flags.project_name", info.project_name.basename)
    action = one_action(env, "NixPyTranslate")
    if not action:
        return analysistest.end(env)
    argv = action.argv
    asserts.equals(env, ["3.12.7"], flag_values(argv, "--python"))

    # python wins over python_version_file, which is then neither a flag nor an input.
    assert_flag_absent(env, argv, "--python-version-file")
    assert_lacks(env, paths(action.inputs), pkg_path(env, "app/.python-version"), "translate inputs")
    asserts.equals(env, ["web,cli"], flag_values(argv, "--extras"), "extras joined in order")
    asserts.equals(env, ["test,docs"], flag_values(argv, "--groups"), "groups joined in order")
    asserts.equals(env, ["musl-1.2"], flag_values(argv, "--libc"))
    asserts.equals(env, ["1.2.3"], flag_values(argv, "--project-version"))
    asserts.equals(env, ["aarch64-linux"], flag_values(argv, "--system"))
    asserts.equals(
        env,
        ["https://a.example/=https://mirror.example/a/", "https://b.example/=https://mirror.example/b/"],
        flag_values(argv, "--url-rewrite"),
        "url rewrites, sorted by prefix",
    )
    asserts.equals(env, [pkg_path(env, "app/requirements.resolved.toml")], flag_values(argv, "--artifacts"))
    assert_contains(env, paths(action.inputs), pkg_path(env, "app/requirements.resolved.toml"), "translate inputs")
    return analysistest.end(env)

translate_flags_test = analysistest.make(_translate_flags_test_impl)

def _translate_nixpkgs_mode_test_impl(ctx):
    env = analysistest.begin(ctx)
    action = one_action(env, "NixPyTranslate")
    if not action:
        return analysistest.end(env)
    argv = action.argv
    asserts.equals(env, ["nixpkgs"], flag_values(argv, "--mode"))
    for flag in ["--lock", "--python", "--python-version-file", "--extras", "--groups", "--libc", "--artifacts"]:
        assert_flag_absent(env, argv, flag)
    return analysistest.end(env)

translate_nixpkgs_mode_test = analysistest.make(_translate_nixpkgs_mode_test_impl)

def _translate_lock_mode_without_lock_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "mode = \"lock\" needs a lock file")
    return analysistest.end(env)

translate_lock_mode_without_lock_test = analysistest.make(_translate_lock_mode_without_lock_test_impl, expect_failure = True)

def _translate_wrong_pyproject_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "expected pyproject.toml")
    return analysistest.end(env)

translate_wrong_pyproject_test = analysistest.make(_translate_wrong_pyproject_test_impl, expect_failure = True)

def translate_test_suite(name):
    """Declares py_nix_translate's fixtures and analysis tests, and a test_suite of them.

    Args:
      name: The test_suite's name.
    """
    py_nix_translate(
        name = "translate_lock.nix",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        python_version_file = "app/.python-version",
        srcs = ["app/src/app/__init__.py"],
        local_packages = ["app/member/pyproject.toml", "app/member/member.py"],
        tags = FIXTURE_TAGS,
    )
    py_nix_translate(
        name = "translate_flags",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        artifacts = "app/requirements.resolved.toml",
        python = "3.12.7",
        python_version_file = "app/.python-version",
        extras = ["web", "cli"],
        groups = ["test", "docs"],
        libc = "musl-1.2",
        version = "1.2.3",
        system = "aarch64-linux",
        url_rewrites = {
            "https://b.example/": "https://mirror.example/b/",
            "https://a.example/": "https://mirror.example/a/",
        },
        tags = FIXTURE_TAGS,
    )
    py_nix_translate(
        name = "translate_nixpkgs_mode.nix",
        pyproject = "app/pyproject.toml",
        mode = "nixpkgs",
        tags = FIXTURE_TAGS,
    )
    py_nix_translate(
        name = "translate_lock_mode_without_lock.nix",
        pyproject = "app/pyproject.toml",
        tags = FIXTURE_TAGS,
    )
    py_nix_translate(
        name = "translate_wrong_pyproject.nix",
        pyproject = "app/uv.lock",
        lock = "app/uv.lock",
        tags = FIXTURE_TAGS,
    )

    translate_lock_test(name = "translate_lock_test", target_under_test = ":translate_lock.nix")
    translate_flags_test(name = "translate_flags_test", target_under_test = ":translate_flags")
    translate_nixpkgs_mode_test(name = "translate_nixpkgs_mode_test", target_under_test = ":translate_nixpkgs_mode.nix")
    translate_lock_mode_without_lock_test(
        name = "translate_lock_mode_without_lock_test",
        target_under_test = ":translate_lock_mode_without_lock.nix",
    )
    translate_wrong_pyproject_test(name = "translate_wrong_pyproject_test", target_under_test = ":translate_wrong_pyproject.nix")
    native.test_suite(
        name = name,
        tests = [
            ":translate_lock_test",
            ":translate_flags_test",
            ":translate_nixpkgs_mode_test",
            ":translate_lock_mode_without_lock_test",
            ":translate_wrong_pyproject_test",
        ],
    )
