"""Analysis tests of nix_image: one plan action, one action per layer slot, one assembly; flags, stamping, base."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "nix_image", "nixpy_nix_build")
load("//rules:providers.bzl", "NixPyImageInfo")
load(
    ":helpers.bzl",
    "FIXTURE_TAGS",
    "STAMPED",
    "UNSTAMPED",
    "actions_of",
    "assert_contains",
    "assert_contains_all",
    "assert_flag_absent",
    "assert_lacks",
    "flag_values",
    "one_action",
    "output_path",
    "paths",
)

def _status_files(action):
    """Returns the workspace status files (stable-status.txt, volatile-status.txt) among the action's inputs."""
    return sorted([f.basename for f in action.inputs.to_list() if f.basename in ("stable-status.txt", "volatile-status.txt")])

def _image_actions(env, layers):
    """Asserts the plan, `layers` layer actions and the assembly; returns (plan, layer actions, assembly) or None."""
    plan = one_action(env, "NixPyImagePlan")
    layer_actions = actions_of(env, "NixPyImageLayer")
    asserts.equals(env, layers, len(layer_actions), "number of NixPyImageLayer actions")
    assemble = one_action(env, "NixPyImage")
    if not plan or not assemble:
        return None
    return plan, layer_actions, assemble

def _nix_image_default_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[NixPyImageInfo]
    asserts.true(env, info.layout.is_directory, "layout is a directory")
    asserts.equals(env, "image_default.oci", info.layout.basename, "layout")
    asserts.equals(env, "image_default.digest", info.digest.basename, "digest")
    asserts.equals(env, None, info.project_name, "project_name of an image of a plain .nix build")
    asserts.equals(env, [info.layout.path], paths(target[DefaultInfo].files), "DefaultInfo files: the layout alone, as rules_oci takes it")
    asserts.equals(env, [info.digest.path], paths(target[OutputGroupInfo].digest), "output group digest")

    found = _image_actions(env, 12)
    if not found:
        return analysistest.end(env)
    plan, layer_actions, assemble = found

    # The plan: the closure and its top path in, a config and one spec per layer slot out.
    argv = plan.argv
    assert_contains(env, argv, "plan", "plan argv")
    asserts.equals(env, ["12"], flag_values(argv, "--max-layers"), "max_layers defaults to 12")
    asserts.equals(env, [output_path(env, "image_closure.closure.json")], flag_values(argv, "--closure"))
    asserts.equals(env, [output_path(env, "image_closure.out_path")], flag_values(argv, "--top-file"))
    asserts.equals(env, ["x86_64-linux"], flag_values(argv, "--system"))
    assert_contains(env, argv, "--bin-entrypoint", "plan argv (no entrypoint given)")

    # The closure's packages file (none here) goes to the plan; the layout names the image after the target
    # (image_default: already a valid ref name).
    asserts.equals(env, [output_path(env, "image_closure.packages.json")], flag_values(argv, "--packages"))
    assert_contains(env, paths(plan.inputs), output_path(env, "image_closure.packages.json"), "plan inputs")
    asserts.equals(env, ["image_default"], flag_values(argv, "--ref-name"), "ref name: the target's")
    for flag in ["--entrypoint", "--cmd", "--stamp", "--base", "--env", "--label", "--port", "--user", "--workdir"]:
        assert_flag_absent(env, argv, flag)
    assert_contains_all(env, paths(plan.inputs), flag_values(argv, "--closure") + flag_values(argv, "--top-file"), "plan inputs")
    asserts.equals(env, [], _status_files(plan), "an unstamped plan reads no workspace status")
    specs = flag_values(argv, "--layer-out")
    asserts.equals(env, 12, len(specs), "one spec per layer slot")
    asserts.equals(env, sorted(specs + flag_values(argv, "--config-out") + flag_values(argv, "--explain-json")), sorted(paths(plan.outputs)), "plan outputs")

    # Each layer is built from its own spec alone, so an unchanged spec is an action cache hit.
    blobs, descriptors, consumed = [], [], []
    for action in layer_actions:
        from_plan = [p for p in paths(action.inputs) if p in specs or p.endswith(".plan/config.json")]
        asserts.equals(env, 1, len(from_plan), "plan outputs a layer action reads: " + repr(from_plan))
        consumed.extend(from_plan)
        assert_contains(env, action.argv, "layer", "layer argv")
        asserts.equals(env, from_plan[:1], flag_values(action.argv, "--spec"))
        outputs = paths(action.outputs)
        blobs.extend([p for p in outputs if p.endswith(".tar.gz")])
        descriptors.extend([p for p in outputs if p.endswith(".json")])
    asserts.equals(env, sorted(specs), sorted(consumed), "every spec is read by exactly one layer action")
    asserts.equals(env, 12, len(blobs), "one blob per layer action")
    asserts.equals(env, 12, len(descriptors), "one descriptor per layer action")

    # The assembly: the config, every blob and descriptor in, the layout and its digest out.
    assert_contains(env, assemble.argv, "assemble", "assemble argv")
    assert_contains_all(env, paths(assemble.inputs), flag_values(argv, "--config-out") + blobs + descriptors, "assemble inputs")
    asserts.equals(env, sorted([info.layout.path, info.digest.path]), sorted(paths(assemble.outputs)), "assemble outputs")
    asserts.equals(env, [info.layout.path], flag_values(assemble.argv, "--out"))
    asserts.equals(env, [info.digest.path], flag_values(assemble.argv, "--digest-out"))
    assert_flag_absent(env, assemble.argv, "--base")
    asserts.equals(env, 0, len(actions_of(env, "NixPyBaseLinks")), "NixPyBaseLinks actions without a base")

    # The SBOM: its own action after the assembly, reading the closure, the top path and the digest; a plain
    # .nix build has no translation, so no distributions.
    asserts.equals(env, "image_default.sbom", info.sbom.basename, "sbom")
    asserts.equals(env, [info.sbom.path], paths(target[OutputGroupInfo].sbom), "output group sbom")
    sbom = one_action(env, "NixPySBOM")
    if sbom:
        sargv = sbom.argv
        assert_contains(env, sargv, "sbom", "sbom argv")
        asserts.equals(env, [info.digest.path], flag_values(sargv, "--digest-file"))
        asserts.equals(env, flag_values(argv, "--closure"), flag_values(sargv, "--closure"))
        asserts.equals(env, flag_values(argv, "--top-file"), flag_values(sargv, "--top-file"))
        asserts.equals(env, ["image_default"], flag_values(sargv, "--name"))
        asserts.equals(env, [info.sbom.path], flag_values(sargv, "--out"))
        assert_flag_absent(env, sargv, "--distributions")
        assert_contains_all(env, paths(sbom.inputs), [info.digest.path] + flag_values(argv, "--closure"), "sbom inputs")
        asserts.equals(env, [info.sbom.path], paths(sbom.outputs), "sbom outputs")

    # Each slot's plain tar for nixpy_load, from its spec alone too; the output group `uncompressed` is those
    # and the config, nothing the compressed layers or the assembly write.
    tar_actions = actions_of(env, "NixPyImageLayerTar")
    asserts.equals(env, 12, len(tar_actions), "one NixPyImageLayerTar action per layer slot")
    tars, tar_consumed = [], []
    for action in tar_actions:
        asserts.equals(env, ["--uncompressed"], [a for a in action.argv if a == "--uncompressed"], "NixPyImageLayerTar argv")
        tar_consumed.extend(flag_values(action.argv, "--spec"))
        asserts.equals(env, flag_values(action.argv, "--spec"), [p for p in paths(action.inputs) if p in specs], "inputs: the spec alone")
        asserts.equals(env, sorted(flag_values(action.argv, "--blob") + flag_values(action.argv, "--descriptor")), sorted(paths(action.outputs)))
        tars.extend(paths(action.outputs))
    asserts.equals(env, sorted(specs), sorted(tar_consumed), "every spec is read by exactly one NixPyImageLayerTar action")
    asserts.equals(env, sorted(tars + flag_values(argv, "--config-out")), sorted(paths(target[OutputGroupInfo].uncompressed)), "output group uncompressed")
    asserts.equals(env, sorted(tars), sorted([f.path for f in info.uncompressed.tars + info.uncompressed.descriptors]), "NixPyImageInfo.uncompressed")
    assert_lacks(env, paths(assemble.inputs), tars[0], "assemble inputs")
    return analysistest.end(env)

nix_image_default_test = analysistest.make(_nix_image_default_test_impl, config_settings = UNSTAMPED)

def _nix_image_configured_test_impl(ctx):
    env = analysistest.begin(ctx)
    found = _image_actions(env, 3)
    if not found:
        return analysistest.end(env)
    argv = found[0].argv
    asserts.equals(env, ["3"], flag_values(argv, "--max-layers"))
    asserts.equals(env, 3, len(flag_values(argv, "--layer-out")), "one spec per layer slot")
    asserts.equals(env, [json.encode(["{app}/bin/serve", "--port", "80"])], flag_values(argv, "--entrypoint"))
    assert_flag_absent(env, argv, "--bin-entrypoint")
    asserts.equals(env, [json.encode(["--debug"])], flag_values(argv, "--cmd"))
    asserts.equals(env, ["A=1", "B=2"], flag_values(argv, "--env"), "env, sorted by name")
    asserts.equals(env, ["org.example.team=core"], flag_values(argv, "--label"))
    asserts.equals(env, ["org.example.note=hi"], flag_values(argv, "--annotation"))
    asserts.equals(env, ["/bin={app}/bin"], flag_values(argv, "--symlink"))
    asserts.equals(env, ["/srv"], flag_values(argv, "--workdir"))
    asserts.equals(env, ["app:app"], flag_values(argv, "--user"))
    asserts.equals(env, ["8080", "53/udp"], flag_values(argv, "--port"), "ports, in order")
    asserts.equals(env, ["aarch64-linux"], flag_values(argv, "--system"), "the closure's system")
    asserts.equals(env, ["app:1.0"], flag_values(argv, "--ref-name"), "ref_name as given")

    # {app} is not a workspace status key and oci_metadata is off: even a stamped build leaves the
    # status files out, so a new commit reruns no plan.
    assert_flag_absent(env, argv, "--stamp")
    assert_flag_absent(env, argv, "--oci-metadata")
    asserts.equals(env, [], _status_files(found[0]), "status files of a plan that names only {app}")
    return analysistest.end(env)

nix_image_configured_test = analysistest.make(_nix_image_configured_test_impl, config_settings = STAMPED)

def _nix_image_stamped_test_impl(ctx):
    env = analysistest.begin(ctx)
    plan = one_action(env, "NixPyImagePlan")
    if plan:
        stamps = flag_values(plan.argv, "--stamp")
        asserts.equals(env, 2, len(stamps), "--stamp STABLE --stamp VOLATILE: " + repr(stamps))
        asserts.equals(env, ["stable-status.txt", "volatile-status.txt"], _status_files(plan), "plan inputs")
        asserts.true(env, "--oci-metadata" in plan.argv, "oci_metadata = \"stamped\" (the default) derives metadata in a stamped build")
        for stamp in stamps:
            assert_contains(env, paths(plan.inputs), stamp, "plan inputs")
    return analysistest.end(env)

nix_image_stamped_test = analysistest.make(_nix_image_stamped_test_impl, config_settings = STAMPED)

def _nix_image_unstamped_test_impl(ctx):
    env = analysistest.begin(ctx)
    plan = one_action(env, "NixPyImagePlan")
    if plan:
        assert_flag_absent(env, plan.argv, "--stamp")
        assert_flag_absent(env, plan.argv, "--oci-metadata")
        asserts.equals(env, [], _status_files(plan), "an unstamped plan reads no workspace status")
    return analysistest.end(env)

nix_image_unstamped_test = analysistest.make(_nix_image_unstamped_test_impl, config_settings = UNSTAMPED)

def _nix_image_base_test_impl(ctx):
    env = analysistest.begin(ctx)
    base = output_path(env, "image_default.oci")
    found = _image_actions(env, 4)
    if not found:
        return analysistest.end(env)
    plan, _, assemble = found
    asserts.equals(env, [base], flag_values(plan.argv, "--base"), "plan --base")
    assert_contains(env, paths(plan.inputs), base, "plan inputs")
    asserts.equals(env, [base], flag_values(assemble.argv, "--base"), "assemble --base")
    assert_contains(env, paths(assemble.inputs), base, "assemble inputs")
    assert_lacks(env, paths(assemble.outputs), base, "assemble outputs")

    # The base's symlinks come from an action of their own, which reads the base and not the closure.
    links = one_action(env, "NixPyBaseLinks")
    if links:
        asserts.equals(env, [base], flag_values(links.argv, "--base"), "base-links --base")
        out = flag_values(links.argv, "--out")
        asserts.equals(env, out, flag_values(plan.argv, "--base-links"), "plan --base-links")
        assert_contains(env, paths(plan.inputs), out[0], "plan inputs")
        assert_contains(env, paths(links.inputs), base, "base-links inputs")
        asserts.equals(env, [], [p for p in paths(links.inputs) if p.endswith("closure.json")], "base-links reads no closure")

    # The SBOM names the base and, the base being a nix_image, takes in the base's own SBOM.
    sbom = one_action(env, "NixPySBOM")
    if sbom:
        asserts.equals(env, [base], flag_values(sbom.argv, "--base"), "sbom --base")
        base_sbom = output_path(env, "image_default.sbom")
        asserts.equals(env, [base_sbom], flag_values(sbom.argv, "--base-sbom"), "sbom --base-sbom")
        assert_contains(env, paths(sbom.inputs), base_sbom, "sbom inputs")
    return analysistest.end(env)

nix_image_base_test = analysistest.make(_nix_image_base_test_impl, config_settings = UNSTAMPED)

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.expected)
    return analysistest.end(env)

nix_image_failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"expected": attr.string(doc = "A part of the expected analysis error.")},
)

def image_test_suite(name):
    """Declares nix_image's fixtures and analysis tests, and a test_suite of them.

    Expects the package to declare `fake_nixpkgs`, a nixpkgs-shaped filegroup.

    Args:
      name: The test_suite's name.
    """
    nixpy_nix_build(
        name = "image_closure",
        src = "expr.nix",
        nixpkgs = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )
    nixpy_nix_build(
        name = "image_closure_arm",
        src = "expr.nix",
        nixpkgs = ":fake_nixpkgs",
        system = "aarch64-linux",
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_default",
        closure = ":image_closure",
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_configured",
        closure = ":image_closure_arm",
        max_layers = 3,
        oci_metadata = "off",
        entrypoint = ["{app}/bin/serve", "--port", "80"],
        cmd = ["--debug"],
        env = {"B": "2", "A": "1"},
        labels = {"org.example.team": "core"},
        annotations = {"org.example.note": "hi"},
        symlinks = {"/bin": "{app}/bin"},
        workdir = "/srv",
        user = "app:app",
        ports = ["8080", "53/udp"],
        ref_name = "app:1.0",
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_label_key",
        closure = ":image_closure",
        labels = {"org.opencontainers.image.revision": "{STABLE_GIT_COMMIT}"},
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_env_key",
        closure = ":image_closure",
        entrypoint = ["{app}/bin/serve"],
        env = {"BUILT_AT": "{BUILD_TIMESTAMP}"},
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_on_base",
        closure = ":image_closure",
        base = ":image_default",
        max_layers = 4,
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_base_not_image",
        closure = ":image_closure",
        base = ":image_closure",
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_one_layer",
        closure = ":image_closure",
        max_layers = 1,
        tags = FIXTURE_TAGS,
    )
    nix_image(
        name = "image_closure_not_build",
        closure = ":fake_nixpkgs",
        tags = FIXTURE_TAGS,
    )

    nix_image_default_test(name = "nix_image_default_test", target_under_test = ":image_default")
    nix_image_configured_test(name = "nix_image_configured_test", target_under_test = ":image_configured")
    nix_image_stamped_test(name = "nix_image_label_key_stamped_test", target_under_test = ":image_label_key")
    nix_image_unstamped_test(name = "nix_image_label_key_unstamped_test", target_under_test = ":image_label_key")
    nix_image_stamped_test(name = "nix_image_env_key_stamped_test", target_under_test = ":image_env_key")
    nix_image_base_test(name = "nix_image_base_test", target_under_test = ":image_on_base")
    nix_image_failure_test(
        name = "nix_image_base_not_image_test",
        target_under_test = ":image_base_not_image",
        expected = "of them index.json: want one OCI image layout",
    )
    nix_image_failure_test(
        name = "nix_image_one_layer_test",
        target_under_test = ":image_one_layer",
        expected = "max_layers = 1: an image needs at least 2 layers",
    )
    nix_image_failure_test(
        name = "nix_image_closure_not_build_test",
        target_under_test = ":image_closure_not_build",
        expected = "NixPyClosureInfo",
    )
    native.test_suite(
        name = name,
        tests = [
            ":nix_image_default_test",
            ":nix_image_configured_test",
            ":nix_image_label_key_stamped_test",
            ":nix_image_label_key_unstamped_test",
            ":nix_image_env_key_stamped_test",
            ":nix_image_base_test",
            ":nix_image_base_not_image_test",
            ":nix_image_closure_not_build_test",
            ":nix_image_one_layer_test",
        ],
    )
