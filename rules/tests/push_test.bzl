"""Analysis tests of nixpy_push and nixpy_load: the generated script, its runfiles and the remote tags."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "nix_image", "nixpy_load", "nixpy_nix_build", "nixpy_push", "py_nix_image")
load(
    ":helpers.bzl",
    "FIXTURE_TAGS",
    "STAMPED",
    "UNSTAMPED",
    "actions_of",
    "assert_contains",
    "assert_contains_all",
    "one_action",
    "pkg_path",
    "short_paths",
)

def _script(env):
    """Asserts the target is executable through its generated NAME.sh; returns the TemplateExpand action or None."""
    target = analysistest.target_under_test(env)
    executable = target[DefaultInfo].files_to_run.executable
    name = analysistest.target_under_test(env).label.name
    asserts.true(env, executable != None, "the target is executable")
    if executable:
        asserts.equals(env, name + ".sh", executable.basename, "the executable")
    action = one_action(env, "TemplateExpand")
    if action and executable:
        asserts.equals(env, [executable.short_path], short_paths(action.outputs), "the template's output is the executable")
    return action

def _runfiles(env):
    """Returns the short paths of the target under test's runfiles."""
    return short_paths(analysistest.target_under_test(env)[DefaultInfo].default_runfiles.files)

def _assert_image_runfiles(env, substitutions, image):
    """Asserts the script's nixpy and image layout are runfiles, with the image's digest."""
    runfiles = _runfiles(env)
    assert_contains_all(env, runfiles, [pkg_path(env, image + ".oci"), pkg_path(env, image + ".digest")], "runfiles")
    asserts.equals(env, pkg_path(env, image + ".oci"), substitutions.get("{layout}"), "{layout}")
    assert_contains(env, runfiles, substitutions.get("{nixpy}"), "runfiles (the script's nixpy)")
    asserts.equals(env, str(env.ctx.attr.image.label), substitutions.get("{image}"), "{image}")
    asserts.equals(env, env.ctx.workspace_name, substitutions.get("{workspace}"), "{workspace}")

def _push_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    name = analysistest.target_under_test(env).label.name
    template = _script(env)
    if not template:
        return analysistest.end(env)
    subs = template.substitutions
    _assert_image_runfiles(env, subs, "push_image")
    asserts.equals(env, "'registry.example/acme/app'", subs.get("{repository}"), "{repository}, shell-quoted")

    # The image's SBOM goes along as its referrer, a runfile.
    sbom = pkg_path(env, "push_image.sbom")
    asserts.equals(env, "--sbom \"$(loc {})\"".format(sbom), subs.get("{flags}"), "{flags} without insecure")
    assert_contains(env, _runfiles(env), sbom, "runfiles")
    asserts.equals(env, "", subs.get("{name_file}"), "{name_file} with a full repository")

    # The tags file, one tag a line, is a runfile and an output; unstamped, it is written as it is.
    tags = pkg_path(env, name + ".tags.txt")
    asserts.equals(env, tags, subs.get("{tags_file}"), "{tags_file}")
    assert_contains(env, _runfiles(env), tags, "runfiles")
    assert_contains(env, short_paths(target[DefaultInfo].files), tags, "DefaultInfo files")
    writes = [a for a in actions_of(env, "FileWrite") if short_paths(a.outputs) == [tags]]
    asserts.equals(env, 1, len(writes), "one FileWrite of the tags file")
    if writes:
        asserts.equals(env, "latest\n{STABLE_GIT_COMMIT}\n", writes[0].content, "tags file content")
    asserts.equals(env, [], actions_of(env, "NixPyStampTags"), "an unstamped push stamps no tags")
    return analysistest.end(env)

nixpy_push_test = analysistest.make(
    _push_test_impl,
    attrs = {"image": attr.label()},
    config_settings = UNSTAMPED,
)

def _push_stamped_test_impl(ctx):
    env = analysistest.begin(ctx)
    name = analysistest.target_under_test(env).label.name
    template = _script(env)
    stamp = one_action(env, "NixPyStampTags")
    if not template or not stamp:
        return analysistest.end(env)
    tags = pkg_path(env, name + ".tags.txt")
    asserts.equals(env, tags, template.substitutions.get("{tags_file}"), "{tags_file}")
    asserts.equals(env, [tags], short_paths(stamp.outputs), "the stamped tags file")
    inputs = [f.basename for f in stamp.inputs.to_list()]
    assert_contains_all(env, inputs, [name + ".tags.tpl", "stable-status.txt", "volatile-status.txt"], "NixPyStampTags inputs")
    templates = [a for a in actions_of(env, "FileWrite") if short_paths(a.outputs) == [pkg_path(env, name + ".tags.tpl")]]
    asserts.equals(env, 1, len(templates), "one FileWrite of the tags template")
    if templates:
        asserts.equals(env, "latest\n{STABLE_GIT_COMMIT}\n", templates[0].content, "tags template content")
    return analysistest.end(env)

nixpy_push_stamped_test = analysistest.make(_push_stamped_test_impl, config_settings = STAMPED)

def _push_insecure_test_impl(ctx):
    env = analysistest.begin(ctx)
    template = _script(env)
    if template:
        asserts.equals(env, "--insecure --sbom \"$(loc {})\"".format(pkg_path(env, "push_image.sbom")), template.substitutions.get("{flags}"), "{flags}")
    return analysistest.end(env)

nixpy_push_insecure_test = analysistest.make(_push_insecure_test_impl)

def _push_without_sbom_test_impl(ctx):
    env = analysistest.begin(ctx)
    template = _script(env)
    if template:
        asserts.equals(env, "", template.substitutions.get("{flags}"), "{flags} with sbom = False")
        asserts.false(env, pkg_path(env, "push_image.sbom") in _runfiles(env), "the SBOM is no runfile with sbom = False")
    return analysistest.end(env)

nixpy_push_without_sbom_test = analysistest.make(_push_without_sbom_test_impl)

def _push_project_repository_test_impl(ctx):
    env = analysistest.begin(ctx)
    template = _script(env)
    if template:
        # A repository ending in / is completed at run time with the project's name, a runfile.
        name_file = pkg_path(env, "push_app_image.project_name")
        asserts.equals(env, name_file, template.substitutions.get("{name_file}"), "{name_file}")
        asserts.equals(env, "'registry.example/acme/'", template.substitutions.get("{repository}"), "{repository}")
        assert_contains(env, _runfiles(env), name_file, "runfiles")
    return analysistest.end(env)

nixpy_push_project_repository_test = analysistest.make(_push_project_repository_test_impl)

def _load_test_impl(ctx):
    env = analysistest.begin(ctx)
    template = _script(env)
    if not template:
        return analysistest.end(env)
    subs = template.substitutions
    runfiles = _runfiles(env)
    assert_contains(env, runfiles, subs.get("{nixpy}"), "runfiles (the script's nixpy)")
    asserts.equals(env, str(ctx.attr.image.label), subs.get("{image}"), "{image}")

    # The plan's config and each slot's plain tar and descriptor, nothing compressed: no layout, no .tar.gz.
    image = ctx.attr.image.label.name
    config = pkg_path(env, image + ".plan/config.json")
    tars = [pkg_path(env, "{}.layers/layer_{}.tar".format(image, i)) for i in range(ctx.attr.slots)]
    descriptors = [t + ".json" for t in tars]
    assert_contains_all(env, runfiles, [config] + tars + descriptors, "runfiles")
    for f in runfiles:
        asserts.false(env, f.endswith(".tar.gz") or f.endswith(".oci") or "/blobs/" in f, "a compressed layer or layout among the runfiles: " + f)
    words = ["--config", "\"$(loc '{}')\"".format(config)]
    for d, t in zip(descriptors, tars):
        words += ["--descriptor", "\"$(loc '{}')\"".format(d), "--blob", "\"$(loc '{}')\"".format(t)]
    if ctx.attr.expected_tags:
        words.append(ctx.attr.expected_tags)
    asserts.equals(env, " ".join(words), subs.get("{args}"), "{args}, each path and tag shell-quoted")
    return analysistest.end(env)

nixpy_load_test = analysistest.make(
    _load_test_impl,
    attrs = {
        "expected_tags": attr.string(doc = "The expected --tag words of {args}."),
        "image": attr.label(),
        "slots": attr.int(doc = "The image's layer slots, max_layers."),
    },
)

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.expected)
    return analysistest.end(env)

nixpy_push_failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"expected": attr.string(doc = "A part of the expected analysis error.")},
)

def push_test_suite(name):
    """Declares nixpy_push's and nixpy_load's fixtures and analysis tests, and a test_suite of them.

    Expects the package to declare `fake_nixpkgs`, a nixpkgs-shaped filegroup.

    Args:
      name: The test_suite's name.
    """
    nixpy_nix_build(
        name = "push_closure",
        src = "expr.nix",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "push_image",
        closure = ":push_closure",
        max_layers = 2,
        tags = FIXTURE_TAGS,
    )
    py_nix_image(
        name = "push_app_image",
        pyproject = "app/pyproject.toml",
        lock = "app/uv.lock",
        nixpkgs = ":fake_nixpkgs",
        max_layers = 2,
        tags = FIXTURE_TAGS,
    )
    for fixture in ["push", "push_stamped"]:
        nixpy_push(
            name = fixture,
            image = ":push_image",
            repository = "registry.example/acme/app",
            remote_tags = ["latest", "{STABLE_GIT_COMMIT}"],
            tags = FIXTURE_TAGS,
        )
    nixpy_push(
        name = "push_insecure",
        image = ":push_image",
        repository = "localhost:5000/app",
        insecure = True,
        tags = FIXTURE_TAGS,
    )
    nixpy_push(
        name = "push_without_sbom",
        image = ":push_image",
        repository = "registry.example/acme/app",
        sbom = False,
        tags = FIXTURE_TAGS,
    )
    nixpy_push(
        name = "push_project_repository",
        image = ":push_app_image",
        repository = "registry.example/acme/",
        tags = FIXTURE_TAGS,
    )
    nixpy_push(
        name = "push_project_repository_without_project",
        image = ":push_image",
        repository = "registry.example/acme/",
        tags = FIXTURE_TAGS,
    )
    nixpy_push(
        name = "push_not_image",
        image = ":push_closure",
        repository = "registry.example/acme/app",
        tags = FIXTURE_TAGS,
    )
    nixpy_load(
        name = "load",
        image = ":push_image",
        repo_tags = ["app:dev", "it's:odd"],
        tags = FIXTURE_TAGS,
    )
    nixpy_load(
        name = "load_untagged",
        image = ":push_image",
        tags = FIXTURE_TAGS,
    )

    nixpy_push_test(name = "nixpy_push_test", target_under_test = ":push", image = ":push_image")
    nixpy_push_stamped_test(name = "nixpy_push_stamped_test", target_under_test = ":push_stamped")
    nixpy_push_insecure_test(name = "nixpy_push_insecure_test", target_under_test = ":push_insecure")
    nixpy_push_without_sbom_test(name = "nixpy_push_without_sbom_test", target_under_test = ":push_without_sbom")
    nixpy_push_project_repository_test(
        name = "nixpy_push_project_repository_test",
        target_under_test = ":push_project_repository",
    )
    nixpy_push_failure_test(
        name = "nixpy_push_project_repository_without_project_test",
        target_under_test = ":push_project_repository_without_project",
        expected = "ends with / but",
    )
    nixpy_push_failure_test(
        name = "nixpy_push_not_image_test",
        target_under_test = ":push_not_image",
        expected = "NixPyImageInfo",
    )
    nixpy_load_test(
        name = "nixpy_load_test",
        target_under_test = ":load",
        image = ":push_image",
        slots = 2,
        expected_tags = "--tag 'app:dev' --tag 'it'\\''s:odd'",
    )
    nixpy_load_test(
        name = "nixpy_load_untagged_test",
        target_under_test = ":load_untagged",
        image = ":push_image",
        slots = 2,
        expected_tags = "",
    )
    native.test_suite(
        name = name,
        tests = [
            ":nixpy_push_test",
            ":nixpy_push_stamped_test",
            ":nixpy_push_insecure_test",
            ":nixpy_push_without_sbom_test",
            ":nixpy_push_project_repository_test",
            ":nixpy_push_project_repository_without_project_test",
            ":nixpy_push_not_image_test",
            ":nixpy_load_test",
            ":nixpy_load_untagged_test",
        ],
    )
