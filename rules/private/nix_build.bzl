"""nixpy_nix_build: nix-build one attribute of a Nix file against a nixpkgs given by label, and record its closure."""

load("//rules:providers.bzl", "NixPyClosureInfo", "NixPyExprInfo")
load(":defaults.bzl", "SYSTEM")
load(":toolchain.bzl", "NIXPY_TOOLCHAIN", "nixpy_tool")

def _nixpkgs_default_nix(target, what):
    """Returns the nixpkgs entry point of a label.

    That is its only file (rules_nixpkgs' `@nixpkgs`, a link to default.nix), or the shortest-path default.nix
    among its files (`@nixpkgs//:srcs`, a checkout's filegroup, testing/nixpkgs).
    """
    files = target.files.to_list()
    if len(files) == 1:
        return files[0]
    candidates = [f for f in files if f.basename == "default.nix"]
    if not candidates:
        fail("{}: {} has no default.nix: give a nixpkgs checkout, a rules_nixpkgs repository or testing/nixpkgs".format(what, target.label))
    return sorted(candidates, key = lambda f: (len(f.path), f.path))[0]

def _source_path(f):
    """Returns f's path in the workspace, where the Nix build finds it, or fails at analysis."""
    if f.short_path.startswith("../"):
        fail("{} is in another repository: a project's sources and local packages must be in its workspace".format(f.short_path))
    return f.short_path

def _check_interpreter(interpreter, what):
    """Fails at analysis unless interpreter is a nixpkgs attribute path such as python312."""
    parts = interpreter.split(".")
    for part in parts:
        if not part or not part[0].isalpha() or not part.replace("_", "a").replace("-", "a").isalnum():
            fail("{}: interpreter {}: want a nixpkgs attribute path such as \"python312\"".format(what, repr(interpreter)))

def _check_packages(packages, what):
    """Fails at analysis unless each package is a nixpkgs attribute path such as bashInteractive."""
    for p in packages:
        for part in p.split("."):
            if not part or not (part[0].isalpha() or part[0] == "_") or not part.replace("_", "a").replace("-", "a").replace("'", "a").isalnum():
                fail("{}: packages: {}: want a nixpkgs attribute path such as \"bashInteractive\" or \"python3Packages.ipython\"".format(what, repr(p)))

def _nix_build_action(ctx, nix_file, attr, nixpkgs, system, srcs = [], src_root = None, nixpkgs_config = None, nixpkgs_overlays = [], interpreter = "", packages = []):
    """Registers the nix-build action and the GC root's. Returns (closure.json, out_path, gcroot, packages.json) Files."""
    closure = ctx.actions.declare_file(ctx.label.name + ".closure.json")
    packages_out = ctx.actions.declare_file(ctx.label.name + ".packages.json")
    out_path = ctx.actions.declare_file(ctx.label.name + ".out_path")
    gcroot = ctx.actions.declare_symlink(ctx.label.name + ".gcroot")
    default_nix = _nixpkgs_default_nix(nixpkgs, "nixpkgs")
    args = ctx.actions.args()
    args.add("nix-build")
    args.add("--file", nix_file)
    args.add("--attr", attr)
    args.add("--nixpkgs", default_nix)
    args.add("--system", system)
    args.add("--closure-out", closure)
    args.add("--out-path-out", out_path)
    args.add("--src-root", src_root or ".")
    if nixpkgs_config:
        args.add("--config", nixpkgs_config)
    for f in nixpkgs_overlays:
        args.add("--overlay", f)
    if interpreter:
        _check_interpreter(interpreter, ctx.label)
        args.add("--interpreter", interpreter)
    _check_packages(packages, ctx.label)
    args.add_all(packages, before_each = "--package")
    args.add("--packages-out", packages_out)
    for f in srcs:
        args.add(_source_path(f))
        args.add(f)
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = [args],
        inputs = depset([nix_file] + srcs + ([nixpkgs_config] if nixpkgs_config else []) + nixpkgs_overlays, transitive = [nixpkgs.files]),
        outputs = [closure, out_path, packages_out],
        mnemonic = "NixBuild",
        progress_message = "Building %{label} with Nix",
        # Store paths live in the local Nix store: a remote executor has none, a remote cache is fine.
        execution_requirements = {"no-remote-exec": "1"},
        use_default_shell_env = True,
    )
    ctx.actions.run(
        executable = nixpy_tool(ctx),
        arguments = ["gcroot", "--out-path", out_path.path, "--link", gcroot.path],
        inputs = [out_path],
        outputs = [gcroot],
        mnemonic = "NixGCRoot",
        progress_message = "Keeping the Nix result of %{label}",
        execution_requirements = {
            # The root is this machine's: no cache may hand it to another, whose store it does not protect.
            "no-cache": "1",
            "no-remote": "1",
            # Nix's indirect root points at the link's final place in the output tree; a sandbox would leave
            # it pointing into a directory Bazel deletes.
            "no-sandbox": "1",
        },
        use_default_shell_env = True,
    )
    return closure, out_path, gcroot, packages_out

def _nix_build_impl(ctx):
    if NixPyExprInfo in ctx.attr.src:
        info = ctx.attr.src[NixPyExprInfo]
        nix_file = info.nix_file
        srcs = info.srcs.to_list()
        src_root = info.pyproject.short_path.rpartition("/")[0]
        project_name = info.project_name
        distributions = info.distributions

        # A translation's `env` is its Python environment (python.withPackages of the project and its dependencies).
        python_env = ctx.attr.attr == "env"
    else:
        nix_file = ctx.file.src
        srcs = []
        src_root = None
        project_name = None
        distributions = None
        python_env = False
    closure, out_path, gcroot, packages = _nix_build_action(
        ctx,
        nix_file,
        ctx.attr.attr,
        ctx.attr.nixpkgs,
        ctx.attr.system,
        srcs,
        src_root,
        nixpkgs_config = ctx.file.nixpkgs_config,
        nixpkgs_overlays = ctx.files.nixpkgs_overlays,
        interpreter = ctx.attr.interpreter,
        packages = ctx.attr.packages,
    )
    return [
        DefaultInfo(files = depset([closure, out_path])),
        NixPyClosureInfo(closure = closure, distributions = distributions, out_path = out_path, gcroot = gcroot, packages = packages, project_name = project_name, python_env = python_env, system = ctx.attr.system),
        OutputGroupInfo(closure = depset([closure]), gcroot = depset([gcroot])),
    ]

nixpy_nix_build = rule(
    implementation = _nix_build_impl,
    doc = """Builds one attribute of a Nix expression with nix-build and writes its runtime closure.

The action (`nixpy nix-build`, mnemonic NixBuild) talks to the Nix daemon (NIX_REMOTE=daemon unless set). Every
Nix file it reads is a declared input (the expression, the nixpkgs files, the project sources, the nixpkgs config
and overlays), so an edit of any of them reruns it and nothing else does. It is kept off remote executors, which
have no Nix store.

Its results are ordinary cacheable outputs: closure.json records each store path's narHash and the derivation
that built it, and every later action that reads a store path this machine's store lacks (a result from a disk or
remote cache, or an output base older than a Nix garbage collection) realises it through the daemon, from its
derivation or a substituter, and checks its narHash.

A second action (`nixpy gcroot`, mnemonic NixGCRoot) links the built path as `<name>.gcroot` (output group
`gcroot`, and an input of the image's plan) and makes the link a Nix GC root, as `nix-build --out-link` does, so
a garbage collection spares what the output base references and `bazel clean` releases it. The root is this
machine's, so that action is never cached; it roots the path only when the store holds it, and realises nothing.
It runs outside Bazel's sandbox, for Nix's root to point at the link's final place.

nixpkgs is imported with `{ system = ...; config = { }; overlays = [ ]; }` (or the given `nixpkgs_config` and
`nixpkgs_overlays`): never with nixpkgs' impure defaults, which read `$NIXPKGS_CONFIG`, `~/.config/nixpkgs` and
`<nixpkgs-overlays>`, so a user's home directory cannot change what Bazel caches.""",
    attrs = {
        "attr": attr.string(default = "app", doc = "The attribute to build."),
        "interpreter": attr.string(
            doc = "A nixpkgs attribute path passed as the expression's `python` argument (`--arg python`), e.g. \"python312\". Empty: the expression's default, the interpreter it was translated for (`pkgs.python3XY`).",
        ),
        "nixpkgs": attr.label(
            mandatory = True,
            doc = "The nixpkgs to build with: rules_nixpkgs' `@nixpkgs` or `@nixpkgs//:srcs`, a filegroup of a nixpkgs checkout, or testing/nixpkgs. Its root default.nix is imported with `{ system = ...; config = ...; overlays = ...; }`.",
        ),
        "nixpkgs_config": attr.label(
            allow_single_file = [".nix"],
            doc = "A .nix file holding the nixpkgs config to import nixpkgs with (an attribute set, or a function of `{ pkgs, ... }` as nixpkgs accepts), e.g. `{ allowUnfree = true; }`. Default `{ }`: `$NIXPKGS_CONFIG` and `~/.config/nixpkgs/config.nix` are never read. A declared input: it must not import undeclared files.",
        ),
        "nixpkgs_overlays": attr.label_list(
            allow_files = [".nix"],
            doc = "Overlays to import nixpkgs with, in order: .nix files each holding one overlay `final: prev: { ... }`. Default none: `~/.config/nixpkgs/overlays` and `<nixpkgs-overlays>` are never read. Declared inputs: they must not import undeclared files.",
        ),
        "packages": attr.string_list(
            doc = """Extra nixpkgs packages for an image of this build: attribute paths of the nixpkgs given, e.g.
["bashInteractive", "coreutils", "cacert", "tzdata"], built in the same action with the same nixpkgs import. A path
nixpkgs lacks, or one that is not a package, fails the build when Nix evaluates, naming it. Their closures join
the result's (closure.json), so nix_image plans them into layers with the rest; `<name>.packages.json` records
each attribute with its store path, from which nix_image's root layer links their programs into /bin (on PATH),
/bin/sh, and the CA bundle and time zones at their conventional places. The GC root holds the built attribute
only: after a garbage collection, the image's actions realise the packages again from their derivations.""",
        ),
        "src": attr.label(
            mandatory = True,
            allow_single_file = [".nix"],
            doc = "A .nix file that is a function of `pkgs` (and optionally `src`), or a py_nix_translate target, whose sources are passed as `src`.",
        ),
        "system": attr.string(default = SYSTEM, doc = "The Nix system nixpkgs is imported for."),
    },
    toolchains = [NIXPY_TOOLCHAIN],
)
