# buildPythonPackage / buildPythonApplication with the arguments and checks of nixpkgs'
# pkgs/development/interpreters/python/mk-python-derivation.nix. Wheels are built with pypa/build
# (--no-isolation) by the declared build-system and installed with pypa/installer, as nixpkgs' pypa hooks do.
{ lib, stdenv, python, pypaBootstrap, requiredPythonModules, namePrefix, isModule }:

{ nativeBuildInputs ? [ ]
, buildInputs ? [ ]
, checkInputs ? [ ]
, nativeCheckInputs ? [ ]
, propagatedBuildInputs ? [ ]
, dependencies ? [ ]
, optional-dependencies ? { }
, build-system ? [ ]
, pythonPath ? [ ]
, strictDeps ? true
, outputs ? [ "out" ]
, testPaths ? [ ]
, disabled ? false
, catchConflicts ? true
, makeWrapperArgs ? [ ]
, dontWrapPythonPrograms ? false
, dontUsePipInstall ? false
, permitUserSite ? false
, removeBinBytecode ? true
, pyproject ? null
, format ? null
, meta ? { }
, doCheck ? false
, pythonImportsCheck ? [ ]
, dontCheckRuntimeDeps ? false
, pythonRelaxDeps ? [ ]
, pythonRemoveDeps ? [ ]
, ...
}@attrs:
let
  name = namePrefix + attrs.name or "${attrs.pname}-${attrs.version}";

  format' =
    assert (pyproject != null) -> (format == null);
    if pyproject != null then (if pyproject then "pyproject" else "other")
    else if format != null then format
    else throw "${name} does not configure a `format`. To build with setuptools as before, set `pyproject = true` and `build-system = [ setuptools ]`.`";

  # Hooks for the build: pypa/build and pypa/installer from Debian's .debs, on PYTHONPATH only for their
  # own commands.
  withPypa = "PYTHONPATH=${pypaBootstrap}/${python.sitePackages}\${PYTHONPATH:+:$PYTHONPATH}";

  runtimeModules = requiredPythonModules (propagatedBuildInputs ++ dependencies ++ pythonPath);

  phases = {
    pyproject = {
      buildPhase = ''
        runHook preBuild
        # As nixpkgs' pypaBuildHook: no --skip-dependency-check, so a [build-system] requirement that
        # build-system does not install fails here. (Debian's hatchling lacks `editables`: the set drops
        # that requirement from hatchling's metadata, see python-packages.nix.)
        ${withPypa} ${python.interpreter} -m build --no-isolation --wheel --outdir dist .
        runHook postBuild
      '';
    };
    wheel = {
      # nixpkgs' wheelUnpackHook: the wheel itself goes to dist/.
      unpackPhase = ''
        runHook preUnpack
        mkdir dist
        cp "$src" "dist/$(stripHash "$src")"
        sourceRoot=.
        runHook postUnpack
      '';
      dontBuild = true;
    };
  };

  formatPhases =
    if format' == "pyproject" then phases.pyproject
    else if format' == "setuptools" then phases.pyproject
    else if format' == "wheel" then phases.wheel
    else if format' == "other" then { }
    else throw "${name}: format = \"${format'}\" is not supported by testing/nixpkgs (pyproject, setuptools, wheel, other)";

  installPhase = ''
    runHook preInstall
    ${withPypa} ${python.interpreter} ${./install-wheel.py} "$out" ${python.interpreter} ${python.sitePackages} dist/*.whl
    runHook postInstall
  '';

  sitePath = map (p: "${p}/${python.sitePackages}") runtimeModules;

  # nixpkgs' pythonImportsCheckHook: a phase of preDistPhases (after installCheckPhase, so after fixup and
  # autoPatchelfHook's postFixup), importing each module with $out first on PYTHONPATH, from $out.
  pythonImportsCheckPhase = ''
    echo "Executing pythonImportsCheckPhase"
    if [ -n "''${pythonImportsCheck:-}" ]; then
      echo "Check whether the following modules can be imported: $pythonImportsCheck"
      export PYTHONPATH=$out/${python.sitePackages}''${PYTHONPATH:+:$PYTHONPATH}
      (cd $out && ${python.interpreter} -c 'import sys, importlib; [importlib.import_module(m) for m in sys.argv[1:]]' $pythonImportsCheck)
    fi
  '';

  # nixpkgs' pythonRelaxDepsHook (turned on by pythonRelaxDeps/pythonRemoveDeps) and
  # pythonRuntimeDepsCheckHook (preInstallPhases, skipped by dontCheckRuntimeDeps): the wheel in dist/ has
  # its requirements relaxed, then each unconditional Requires-Dist must be installed among the inputs.
  relaxDeps = pythonRelaxDeps != [ ] && pythonRelaxDeps != false || pythonRemoveDeps != [ ] && pythonRemoveDeps != false;
  pythonRelaxDepsPhase = ''
    echo "Executing pythonRelaxDepsHook"
    ${python.interpreter} ${./relax-deps.py} dist/*.whl
  '';
  pythonRuntimeDepsCheckPhase = ''
    echo "Executing pythonRuntimeDepsCheck"
    for wheel in dist/*.whl; do
      echo "Checking runtime dependencies for $(basename "$wheel")"
      PYTHONPATH=$out/${python.sitePackages}''${PYTHONPATH:+:$PYTHONPATH} \
        ${python.interpreter} ${./runtime-deps-check.py} ${pypaBootstrap}/${python.sitePackages} "$wheel"
    done
  '';
  installsWheel = builtins.elem format' [ "pyproject" "setuptools" "wheel" ];

  # nixpkgs' pythonMetadataCheckHook (a pre-dist phase): for a Python module built with
  # `pyproject = true` whose version has no "unstable-", the METADATA the backend wrote must carry the
  # derivation's version. toPythonModule turns it on for an application (python-packages.nix), as
  # nixpkgs' hook list follows the final passthru.
  # nixpkgs' pythonCatchConflictsHook (a pre-dist phase): each distribution once in the closure. nixpkgs
  # leaves it out for the packages of its bootstrap chain and setuptools' dependencies.
  conflictsChecked = catchConflicts && !(attrs.dontUsePythonCatchConflicts or false)
    && !(builtins.elem (attrs.pname or "") [ "flit-core" "installer" "build" "packaging" "pyproject-hooks" "wheel" "setuptools" ]);
  pythonCatchConflictsPhase = ''
    echo "Executing pythonCatchConflictsPhase"
    ${python.interpreter} ${./catch-conflicts.py} "$out" ${python.sitePackages}
  '';

  metadataChecked = pyproject == true && isModule && !(lib.hasInfix "unstable-" (attrs.version or ""))
    && !(attrs.dontCheckPythonMetadata or false);
  pythonMetadataCheckPhase = ''
    echo "Executing pythonMetadataCheckPhase"
    PYTHONPATH=$out/${python.sitePackages}''${PYTHONPATH:+:$PYTHONPATH} \
      ${python.interpreter} -P ${./metadata-check.py} ${pypaBootstrap}/${python.sitePackages} "$pname" "$version"
  '';

  drv = stdenv.mkDerivation (
    formatPhases
    // removeAttrs attrs [
      "disabled" "checkPhase" "checkInputs" "nativeCheckInputs" "doCheck" "doInstallCheck" "pyproject" "format"
      "stdenv" "dependencies" "optional-dependencies" "build-system" "pythonPath"
      "pythonRelaxDeps" "pythonRemoveDeps" "dontCheckRuntimeDeps" "catchConflicts"
    ]
    // {
      inherit name strictDeps outputs;
      nativeBuildInputs = [ python ]
        ++ lib.optionals (format' == "setuptools") [ python.pkgs.setuptools python.pkgs.wheel ]
        ++ nativeBuildInputs ++ build-system;
      buildInputs = buildInputs ++ pythonPath;
      propagatedBuildInputs = propagatedBuildInputs ++ dependencies ++ [ python ];
      LANG = "C.UTF-8";
      # Python packages have no checkPhase, only an installCheckPhase (nixpkgs).
      doCheck = false;
      doInstallCheck = doCheck;
      nativeInstallCheckInputs = nativeCheckInputs;
      installCheckInputs = checkInputs;
      # nixpkgs: bytecode of scripts in bin/ is never used, so removeBinBytecode drops it.
      postFixup = lib.optionalString removeBinBytecode ''
        rm -rf "$out/bin/__pycache__"
      '' + lib.optionalString (!dontWrapPythonPrograms) ''
        ${python.interpreter} ${./wrap-python-programs.py} "$out" "$out/${python.sitePackages}" ${lib.escapeShellArgs sitePath}
      '' + (attrs.postFixup or "");
      inherit pythonImportsCheck pythonImportsCheckPhase;
      preDistPhases = (attrs.preDistPhases or [ ]) ++ lib.optional (!(attrs.dontUsePythonImportsCheck or false)) "pythonImportsCheckPhase"
        ++ lib.optional conflictsChecked "pythonCatchConflictsPhase"
        ++ lib.optional metadataChecked "pythonMetadataCheckPhase";
      preInstallPhases = (attrs.preInstallPhases or [ ])
        ++ lib.optional (installsWheel && relaxDeps) "pythonRelaxDepsPhase"
        ++ lib.optional (installsWheel && !dontCheckRuntimeDeps) "pythonRuntimeDepsCheckPhase";
    }
    // lib.optionalAttrs relaxDeps {
      pythonRelaxDeps = if pythonRelaxDeps == true then "1" else pythonRelaxDeps;
      pythonRemoveDeps = if pythonRemoveDeps == true then "1" else pythonRemoveDeps;
      inherit pythonRelaxDepsPhase;
    }
    // lib.optionalAttrs (installsWheel && !dontCheckRuntimeDeps) {
      inherit pythonRuntimeDepsCheckPhase;
    }
    // lib.optionalAttrs conflictsChecked {
      inherit pythonCatchConflictsPhase;
    }
    // lib.optionalAttrs (pyproject == true) {
      inherit pythonMetadataCheckPhase;
    }
    // {
      passthru = {
        inherit disabled pyproject build-system dependencies optional-dependencies;
      } // lib.optionalAttrs isModule {
        # Kept in passthru so that overrideAttrs keeps them: python.withPackages collects these.
        pythonModule = python;
        requiredPythonModules = runtimeModules;
      } // (attrs.passthru or { });
      meta = { platforms = python.meta.platforms; } // meta;
    }
    // lib.optionalAttrs (format' != "other" && !(attrs ? installPhase)) { inherit installPhase; }
    // lib.optionalAttrs (attrs ? checkPhase) { installCheckPhase = attrs.checkPhase; }
  );
in
if disabled then throw "${name} not supported for interpreter ${python.executable}" else drv
