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
        # --skip-dependency-check: Debian drops some declared requirements (hatchling's editables).
        ${withPypa} ${python.interpreter} -m build --no-isolation --skip-dependency-check --wheel --outdir dist .
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

  importsCheck = lib.optionalString (pythonImportsCheck != [ ]) ''
    echo "Executing pythonImportsCheckPhase"
    PYTHONPATH=$out/${python.sitePackages}''${PYTHONPATH:+:$PYTHONPATH} ${python.interpreter} -c \
      'import sys, importlib; [importlib.import_module(m) for m in sys.argv[1:]]' ${lib.escapeShellArgs pythonImportsCheck}
  '';

  drv = stdenv.mkDerivation (
    formatPhases
    // removeAttrs attrs [
      "disabled" "checkPhase" "checkInputs" "nativeCheckInputs" "doCheck" "doInstallCheck" "pyproject" "format"
      "stdenv" "dependencies" "optional-dependencies" "build-system" "pythonImportsCheck" "pythonPath"
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
      postFixup = lib.optionalString (!dontWrapPythonPrograms) ''
        ${python.interpreter} ${./wrap-python-programs.py} "$out" "$out/${python.sitePackages}" ${lib.escapeShellArgs sitePath}
      '' + importsCheck + (attrs.postFixup or "");
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
