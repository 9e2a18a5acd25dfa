"""Public API of rules_nixpy: Python projects to Nix-built, layered OCI images.

    load("@rules_nixpy//rules:defs.bzl", "nixpy_load", "nixpy_push", "py_nix_image")

    py_nix_image(
        name = "image",
        pyproject = "pyproject.toml",
        lock = "uv.lock",
        srcs = glob(["src/**"]),
        nixpkgs = "@nixpkgs",
    )

    nixpy_push(name = "push", image = ":image", repository = "ghcr.io/acme/app", remote_tags = ["latest"])

    nixpy_load(name = "load", image = ":image", repo_tags = ["app:dev"])
"""

load("//rules/private:defaults.bzl", "MAX_LAYERS", "SYSTEM")
load("//rules/private:image.bzl", _nix_image = "nix_image")
load("//rules/private:nix_build.bzl", _nixpy_nix_build = "nixpy_nix_build")
load("//rules/private:push.bzl", _nixpy_load = "nixpy_load", _nixpy_push = "nixpy_push")
load("//rules/private:resolve.bzl", _nixpy_resolve = "nixpy_resolve")
load("//rules/private:sign.bzl", _nixpy_sign = "nixpy_sign")
load("//rules/private:translate.bzl", _py_nix_translate = "py_nix_translate")

nixpy_nix_build = _nixpy_nix_build
nix_image = _nix_image
nixpy_load = _nixpy_load
nixpy_push = _nixpy_push
nixpy_resolve = _nixpy_resolve
nixpy_sign = _nixpy_sign
py_nix_translate = _py_nix_translate

def _python_version_file_beside(pyproject):
    """Returns the .python-version next to pyproject if this package has one, else None.

    Only for a pyproject given as a file of this package ("pyproject.toml", "app/pyproject.toml"); a label of
    another package says nothing about this package's files.
    """
    if type(pyproject) == "string" and pyproject.startswith(":"):
        pyproject = pyproject[1:]
    if type(pyproject) != "string" or ":" in pyproject or pyproject.startswith("@") or pyproject.startswith("//"):
        return None
    directory = pyproject.rpartition("/")[0]
    found = native.glob([(directory + "/" if directory else "") + ".python-version"], allow_empty = True)
    return found[0] if found else None

def py_nix_image(
        name,
        pyproject,
        nixpkgs,
        lock = None,
        artifacts = None,
        srcs = [],
        local_packages = [],
        mode = None,
        extras = [],
        groups = [],
        python = None,
        python_version_file = None,
        interpreter = None,
        nixpkgs_config = None,
        nixpkgs_overlays = [],
        system = SYSTEM,
        libc = None,
        url_rewrites = {},
        version = None,
        entrypoint = [],
        cmd = [],
        env = {},
        workdir = None,
        user = None,
        ports = [],
        labels = {},
        annotations = {},
        symlinks = {},
        max_layers = MAX_LAYERS,
        base = None,
        packages = [],
        ref_name = None,
        environment = False,
        oci_metadata = "stamped",
        explain_compare = [],
        **kwargs):
    """A layered OCI image of a Python project, built by Nix from its pyproject.toml and lock file.

    Makes three targets: `<name>.nix` (the translated Nix expression), `<name>.closure` (the nix-build of the
    application and its runtime closure) and `<name>` (the OCI image layout). Editing the sources reruns only the
    application's derivation and the image; editing the lock reruns the translation too.

    Args:
      name: The image target's name.
      pyproject: The project's pyproject.toml; its directory is the project's source root.
      nixpkgs: The nixpkgs to build with: a filegroup of a nixpkgs checkout (e.g. the repository rules_nixpkgs'
        nixpkgs_git_repository makes) or any target whose files hold a nixpkgs default.nix at their root.
      lock: The lock file (uv.lock, poetry.lock, pdm.lock, pylock.toml, requirements.txt with hashes).
      artifacts: The file a nixpy_resolve target wrote beside the lock (e.g. "requirements.resolved.toml"): the
        file names and URLs of hashes the lock pins without them. Needed for requirements.txt pins without URLs.
      srcs: The project's source files (under pyproject's directory) that the application is built from.
      local_packages: The files of the lock's local packages (uv workspace members, editable and path
        dependencies), each package's pyproject.toml among them; e.g. a filegroup per member.
      mode: "lock" (every dependency pinned to the lock) or "nixpkgs" (dependencies from nixpkgs); default
        "lock" when a lock file is given, else "nixpkgs".
      extras: Extras of the project to install.
      groups: Dependency groups to install; dev groups are off unless named.
      python: CPython version X.Y (or X.Y.Z) that markers and wheels are chosen for; the expression builds with
        nixpkgs' `python3XY` for it (never `python3`). Default: the version of `python_version_file`, else the
        newest CPython nixpkgs ships (3.10 to 3.14) that the project's and the lock's requires-python allow.
      python_version_file: The project's `.python-version` (uv's convention), used when `python` is not given.
        Default: the `.python-version` beside `pyproject` if the package has one (when `pyproject` is a file of
        this package).
      interpreter: A nixpkgs attribute path to build with instead of the translated default, e.g. "python312",
        passed as the expression's `python` argument; it should be the version `python` names.
      nixpkgs_config: A .nix file of nixpkgs config (e.g. `{ allowUnfree = true; }`); default `{ }`. nixpkgs is
        never imported with its impure defaults ($NIXPKGS_CONFIG, ~/.config/nixpkgs).
      nixpkgs_overlays: .nix files each holding one nixpkgs overlay, in order; default none (never
        ~/.config/nixpkgs/overlays or <nixpkgs-overlays>).
      system: The Nix system.
      libc: glibc-2.Y or musl-1.Y that wheels must run on; empty for nixpy's default.
      url_rewrites: Artifact URL prefix to mirror prefix.
      version: The project's version when pyproject.toml leaves it dynamic and version control computes it
        (setuptools-scm, hatch-vcs, pdm-backend's scm source): a Nix build sees no .git. Versions the lock
        records or a backend reads from a file are found without it.
      entrypoint: The container's command; default the project's console script. "{app}" is the application's
        store path, e.g. ["{app}/bin/serve"].
      cmd: Default arguments.
      env: Environment variables.
      workdir: Working directory.
      user: USER or USER:GROUP to run as.
      ports: Exposed ports.
      labels: OCI config labels.
      annotations: OCI manifest annotations.
      symlinks: PATH = TARGET symlinks in the root layer (in the top layer when TARGET is in the built path).
      max_layers: At most this many layers.
      base: An image to build on: a nix_image or py_nix_image, or any target whose default output is one OCI
        image layout, a directory (rules_oci's oci_image or oci_pull) or the layout's files; see nix_image.
      ref_name: The image's name in the OCI layout's index.json (org.opencontainers.image.ref.name), for
        `skopeo copy oci:DIR:NAME` and `umoci unpack --image DIR:NAME`; default the target's name (made one the
        OCI layout's grammar allows: see nix_image). The image's digest does not change with it.
      packages: Extra nixpkgs packages in the image, as attribute paths of `nixpkgs`, e.g. ["bashInteractive",
        "coreutils", "findutils", "cacert", "tzdata"]; a path nixpkgs lacks fails the build naming it. Their
        closures are planned into layers with the application's (never a layer per package; what they share
        with the application, glibc, is stored once), and the root layer links their programs into /bin
        with PATH=/bin:/usr/bin (unless `env` sets PATH), /bin/sh to a shell's, a CA bundle at
        /etc/ssl/certs/ca-bundle.crt (and ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt; SSL_CERT_FILE
        is set) and time zones at /usr/share/zoneinfo (TZDIR). See docs/packages.md for what each adds.
      environment: Image the project's Python environment instead of its application: python.withPackages of
        the project and its dependencies, for a library, workers, notebooks or scripts run with `python -m`.
        Without `entrypoint`, the container runs the environment's python through a launcher: `docker run IMAGE
        -m module`, `IMAGE script.py` and `IMAGE` alone (a REPL) go to python, while a command given first runs
        as it is (`IMAGE python -c ...`, `IMAGE flask run`, any program of the environment's bin/); PATH starts
        with the environment's bin/ unless `env` sets PATH.
      oci_metadata: When the image gets the standard org.opencontainers.image.* labels and annotations
        (title, description, version, licenses, url, source from pyproject.toml; revision, created and a
        remote's source from the workspace status): "stamped" (only in --stamp builds, so unstamped digests do
        not change), "always" (pyproject's in every build) or "off". `labels` and `annotations` override them.
        See nix_image.
      explain_compare: Other images whose layers the output group `explain` (NAME.explain.md and .json, a
        table per layer) marks as shared with this one's; see nix_image and docs/layers.md.
      **kwargs: Common attributes (visibility, tags, testonly) for the image target.
    """
    if mode == None:
        mode = "lock" if lock else "nixpkgs"
    if python == None and python_version_file == None:
        python_version_file = _python_version_file_beside(pyproject)
    common = {k: v for k, v in kwargs.items() if k in ("tags", "testonly", "target_compatible_with")}
    _py_nix_translate(
        name = name + ".nix",
        pyproject = pyproject,
        lock = lock,
        artifacts = artifacts,
        srcs = srcs,
        local_packages = local_packages,
        mode = mode,
        extras = extras,
        groups = groups,
        python = python,
        python_version_file = python_version_file,
        system = system,
        libc = libc,
        url_rewrites = url_rewrites,
        version = version,
        visibility = kwargs.get("visibility"),
        **common
    )
    _nixpy_nix_build(
        name = name + ".closure",
        src = name + ".nix",
        attr = "env" if environment else "app",
        nixpkgs = nixpkgs,
        nixpkgs_config = nixpkgs_config,
        nixpkgs_overlays = nixpkgs_overlays,
        interpreter = interpreter,
        packages = packages,
        system = system,
        visibility = kwargs.get("visibility"),
        **common
    )
    _nix_image(
        name = name,
        closure = name + ".closure",
        entrypoint = entrypoint,
        cmd = cmd,
        env = env,
        workdir = workdir,
        user = user,
        ports = ports,
        labels = labels,
        annotations = annotations,
        symlinks = symlinks,
        max_layers = max_layers,
        base = base,
        ref_name = ref_name,
        pyproject = pyproject,
        oci_metadata = oci_metadata,
        explain_compare = explain_compare,
        **kwargs
    )
