"""Providers of rules_nixpy's rules."""

NixPyExprInfo = provider(
    doc = "A Python project translated to Nix by `nixpy translate`.",
    fields = {
        "distributions": "File: distributions.json from `nixpy translate`: the locked distributions with artifact URL, sha256 and the lock's edges (none in nixpkgs mode).",
        "nix_file": "File: the generated expression, a function of pkgs, python and src returning { app; env; deps; }.",
        "srcs": "depset of File: the project's source files, the pyproject.toml among them.",
        "project_name": "File: one line, the project's PEP 503 name (a push's default repository tail).",
        "pyproject": "File: the project's pyproject.toml; its directory is the source root.",
    },
)

NixPyClosureInfo = provider(
    doc = "A store path built by nix-build and its runtime closure.",
    fields = {
        "closure": "File: closure.json from `nixpy closure`: every path of the closure with narHash, narSize and references.",
        "distributions": "File or None: the translation's distributions.json when the build is of a py_nix_translate.",
        "out_path": "File: one line, the store path that was built (the closure's top).",
        "gcroot": "File (symlink): a link to the built path that Nix keeps as a GC root while this output base has it.",
        "packages": "File or None: packages.json, the extra nixpkgs packages (attribute and store path, in order) whose closures closure.json includes.",
        "project_name": "File or None: one line, the Python project's name when the build is of a py_nix_translate.",
        "python_env": "bool: the build is a translation's `env`, the Python environment (python.withPackages of the project and its dependencies), not the application.",
        "system": "string: the Nix system the closure is built for, e.g. \"x86_64-linux\"; an image of it is for that platform.",
    },
)

NixPyImageInfo = provider(
    doc = "An OCI image built from a Nix closure by nix_image (`nixpy plan`, `layer` and `assemble`).",
    fields = {
        "layout": "File (directory): the OCI image layout (index.json, oci-layout, blobs/).",
        "project_name": "File or None: one line, the Python project's name when the image is of one.",
        "digest": "File: the image manifest's digest, sha256:..., the same on every machine for the same inputs.",
        "sbom": "File: the image's CycloneDX 1.6 JSON SBOM (`NAME.sbom`): its store paths, the locked Python distributions with their licenses, the manifest digest as its subject.",
        "uncompressed": "struct: what nixpy_load sends, nothing compressed: config (the planned config), descriptors and tars (Files, one of each per layer slot, from `nixpy layer --uncompressed`), base (the base layout's runfiles path, or None) and base_files (depset).",
    },
)
