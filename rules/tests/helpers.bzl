"""Helpers shared by the analysis tests of rules_nixpy's rules: finding actions, reading flags, comparing files."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

# The settings of a build without --stamp, and of one with it, for analysistest.make's config_settings.
UNSTAMPED = {"//command_line_option:stamp": False}
STAMPED = {"//command_line_option:stamp": True}

# Fixtures are analysed only through the tests: `bazel build //...` must never run Nix on them.
FIXTURE_TAGS = ["manual"]

def actions_of(env, mnemonic):
    """Returns the actions of the target under test that have the given mnemonic.

    Args:
      env: The analysistest environment.
      mnemonic: The action mnemonic, e.g. "NixBuild".

    Returns:
      A list of actions, in registration order.
    """
    return [a for a in analysistest.target_actions(env) if a.mnemonic == mnemonic]

def one_action(env, mnemonic):
    """Asserts that the target under test registers exactly one action with the mnemonic and returns it.

    Args:
      env: The analysistest environment.
      mnemonic: The action mnemonic.

    Returns:
      The action, or None (after a recorded failure) when there is not exactly one.
    """
    found = actions_of(env, mnemonic)
    asserts.equals(env, 1, len(found), "number of {} actions".format(mnemonic))
    return found[0] if len(found) == 1 else None

def mnemonics(env):
    """Returns the sorted, deduplicated mnemonics of the target under test's actions.

    Args:
      env: The analysistest environment.

    Returns:
      A sorted list of strings.
    """
    return sorted({a.mnemonic: None for a in analysistest.target_actions(env)}.keys())

def flag_values(argv, flag):
    """Returns the value after each occurrence of flag in argv, in order.

    Args:
      argv: An action's argv.
      flag: The flag, e.g. "--max-layers".

    Returns:
      A list of strings; empty when the flag is absent.
    """
    return [argv[i + 1] for i in range(len(argv) - 1) if argv[i] == flag]

def has_flag(argv, flag):
    """Returns whether flag occurs in argv as an argument of its own.

    Args:
      argv: An action's argv.
      flag: The flag.

    Returns:
      bool.
    """
    return flag in argv

def paths(files):
    """Returns the paths of files (a list or a depset of File).

    Args:
      files: A list or depset of File.

    Returns:
      A list of strings.
    """
    if type(files) == "depset":
        files = files.to_list()
    return [f.path for f in files]

def short_paths(files):
    """Returns the short paths of files (a list or a depset of File).

    Args:
      files: A list or depset of File.

    Returns:
      A list of strings.
    """
    if type(files) == "depset":
        files = files.to_list()
    return [f.short_path for f in files]

def assert_contains(env, container, item, what):
    """Asserts that item is in container.

    Args:
      env: The analysistest environment.
      container: A list.
      item: The expected element.
      what: What the container is, for the failure message.
    """
    if item not in container:
        analysistest.fail(env, "{} lacks {}: {}".format(what, repr(item), repr(container)))

def assert_lacks(env, container, item, what):
    """Asserts that item is not in container.

    Args:
      env: The analysistest environment.
      container: A list.
      item: The element that must be absent.
      what: What the container is, for the failure message.
    """
    if item in container:
        analysistest.fail(env, "{} holds {}: {}".format(what, repr(item), repr(container)))

def assert_contains_all(env, container, items, what):
    """Asserts that every one of items is in container.

    Args:
      env: The analysistest environment.
      container: A list.
      items: The expected elements.
      what: What the container is, for the failure message.
    """
    for item in items:
        assert_contains(env, container, item, what)

def assert_flag_absent(env, argv, flag):
    """Asserts that flag does not occur in argv.

    Args:
      env: The analysistest environment.
      argv: An action's argv.
      flag: The flag.
    """
    if flag in argv:
        analysistest.fail(env, "argv holds {} but should not: {}".format(flag, argv))

def pkg_path(env, relative):
    """Returns the workspace path of a source file of the test's package.

    Args:
      env: The analysistest environment.
      relative: The file's path in the package, e.g. "app/pyproject.toml".

    Returns:
      A string, e.g. "rules/tests/app/pyproject.toml".
    """
    return env.ctx.label.package + "/" + relative

def output_path(env, relative):
    """Returns the path of an output of the test's package in the target under test's configuration.

    Args:
      env: The analysistest environment.
      relative: The output's path in the package, e.g. "image.digest".

    Returns:
      A string, e.g. "bazel-out/k8-fastbuild/bin/rules/tests/image.digest".
    """
    return analysistest.target_bin_dir_path(env) + "/" + env.ctx.label.package + "/" + relative
