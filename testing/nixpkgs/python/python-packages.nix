# python3.pkgs: the builders and the packages, under nixpkgs' attribute names. Each package is the Debian
# .deb repacked as a wheel with its upstream name (repack-deb.py), installed by buildPythonPackage
# { format = "wheel"; }: the code path lock-mode expressions take. `self` is the final (overridden) set.
# The packages come from the interpreter's suite: bookworm's for python311, trixie's for python313 (a Debian
# release's packages work with its own CPython; bookworm's setuptools 66, for one, breaks on 3.12+).
{ lib, stdenv, run, unpack, suite, fetchurl, python, autoPatchelfHook, pythonManylinuxPackages }:
self:
let
  inherit (suite) debVersions;
  bookworm = suite.name == "bookworm";

  # nixpkgs' requiredPythonModules: the Python modules among the inputs and everything they propagate.
  requiredPythonModules = drvs:
    map (x: x.drv) (builtins.genericClosure {
      startSet = map (d: { key = d.outPath; drv = d; }) (builtins.filter isPythonModule drvs);
      operator = x: map (d: { key = d.outPath; drv = d; })
        (builtins.filter isPythonModule (x.drv.propagatedBuildInputs or [ ]));
    });
  isPythonModule = d: d != null && d ? pythonModule && d.pythonModule != false;

  # pypa/build, pyproject-hooks (bookworm: its predecessor pep517), packaging and pypa/installer straight
  # from the .debs: what the pyproject and wheel hooks run, before any package of the set exists.
  pypaBootstrap = run {
    name = "python${python.pythonVersion}-pypa-bootstrap";
    script = ''
      ${unpack [ "python3-build" (if bookworm then "python3-pep517" else "python3-pyproject-hooks") "python3-packaging" "python3-installer" ]}
      mkdir -p $out/${python.sitePackages}
      for d in x/*/usr/lib/python3/dist-packages; do cp -a $d/. $out/${python.sitePackages}/; done
    '';
  };

  mkPythonDerivation = namePrefix: isModule: import ./mk-python-derivation.nix {
    inherit lib stdenv python pypaBootstrap requiredPythonModules namePrefix isModule;
  };

  # The CPython ABI tag of extension modules: cp311.
  abi = "cp" + lib.replaceStrings [ "." ] [ "" ] python.pythonVersion;

  normalize = name: lib.toLower (builtins.replaceStrings [ "-" "." ] [ "_" "_" ] name);

  # The wheel of a Debian package: WHEELDIR/<name>-<version>-<tag>.whl, the file name upstream gives it.
  # platform: false (pure), true (manylinux2014) or a list of platform tags.
  debWheel = { pname, version, debs, top ? [ ], requiresDist ? [ ], platform ? false }:
    let
      plats = if builtins.isList platform then platform else [ "manylinux_2_17_x86_64" "manylinux2014_x86_64" ];
      fileName = "${normalize pname}-${version}-"
        + (if platform != false then "${abi}-${abi}-" + lib.concatStringsSep "." plats else "py3-none-any") + ".whl";
      dir = run {
        name = "${normalize pname}-${version}-wheel";
        script = ''
          ${unpack debs}
          # One root for all the .debs: Debian links bundled files (werkzeug's jquery.js) to other packages.
          mkdir root $out
          for d in x/*; do cp -a $d/. root/; done
          PYTHONDONTWRITEBYTECODE=1 ${python.interpreter} ${./repack-deb.py} root/usr/lib/python3/dist-packages ${pname} ${version} $out \
            ${lib.concatMapStrings (t: " --top ${t}") top} ${lib.escapeShellArgs (lib.concatMap (r: [ "--requires-dist" r ]) requiresDist)} \
            --abi ${abi} ${lib.optionalString (builtins.isList platform) (lib.concatMapStrings (p: " --platform ${p}") platform)}
          test -f $out/${fileName}
        '';
      };
    in
    "${dir}/${fileName}";

  # foreign: the wheel's extension modules are Debian's, without RPATH, as a PyPI manylinux wheel's: the
  # package is built as nixpkgs builds binary wheels (autoPatchelfHook, the manylinux2014 libraries).
  fromDeb = { pname, deb, extraDebs ? [ ], dependencies ? [ ], top ? [ ], requiresDist ? [ ], platform ? false
    , pythonImportsCheck ? [ ], pythonRemoveDeps ? [ ], foreign ? false }:
    let version = debVersions.${deb}; in
    self.buildPythonPackage ({
      inherit pname version dependencies pythonImportsCheck pythonRemoveDeps;
      format = "wheel";
      src = debWheel { inherit pname version top requiresDist platform; debs = [ deb ] ++ extraDebs; };
      passthru.debianPackage = deb;
      meta.description = "${pname} from Debian's ${deb} ${debVersions.${deb}}";
    } // lib.optionalAttrs foreign {
      nativeBuildInputs = [ autoPatchelfHook ];
      buildInputs = pythonManylinuxPackages.manylinux2014;
      dontStrip = true;
    });
in
{
  inherit python requiredPythonModules;
  inherit (python) pythonAtLeast pythonOlder isPy3k;
  pythonPackages = self;

  buildPythonPackage = mkPythonDerivation "python${python.pythonVersion}-" true;
  buildPythonApplication = mkPythonDerivation "" false;

  # nixpkgs' toPythonModule / toPythonApplication: mark (or unmark) a derivation as a Python module.
  # A derivation built with `pyproject = true` gains the metadata check on becoming a module, as in
  # nixpkgs, where the hook list follows the final passthru (so the application is built again).
  toPythonModule = drv:
    if drv ? overrideAttrs
    then drv.overrideAttrs (old: {
      passthru = (old.passthru or { }) // { pythonModule = python; };
    } // lib.optionalAttrs (old ? pythonMetadataCheckPhase && !(lib.hasInfix "unstable-" old.version)
      && !(old.dontCheckPythonMetadata or false) && !(builtins.elem "pythonMetadataCheckPhase" old.preDistPhases)) {
      preDistPhases = old.preDistPhases ++ [ "pythonMetadataCheckPhase" ];
    })
    else drv // { pythonModule = python; };
  toPythonApplication = drv:
    drv.overrideAttrs (old: { passthru = (old.passthru or { }) // { pythonModule = false; }; });

  # fetchPypi (pkgs/development/python-modules/fetchpypi): the URL layout of files.pythonhosted.org.
  fetchPypi =
    { pname, version, format ? "setuptools", sha256 ? "", hash ? "", extension ? (if format == "wheel" then "whl" else "tar.gz")
    , python ? "py2.py3", abi ? "none", platform ? "any", dist ? python }:
    let
      url =
        if format == "wheel" then
          "https://files.pythonhosted.org/packages/${dist}/${builtins.substring 0 1 pname}/${pname}/${pname}-${version}-${python}-${abi}-${platform}.whl"
        else
          "https://files.pythonhosted.org/packages/source/${builtins.substring 0 1 pname}/${pname}/${pname}-${version}.${extension}";
    in
    fetchurl { inherit url sha256 hash; };

  # Build backends and their dependencies.
  setuptools = fromDeb { pname = "setuptools"; deb = "python3-setuptools"; extraDebs = [ "python3-pkg-resources" ]; pythonImportsCheck = [ "setuptools" "pkg_resources" ]; };
  wheel = fromDeb { pname = "wheel"; deb = "python3-wheel"; dependencies = lib.optional (!bookworm) self.packaging; };
  packaging = fromDeb { pname = "packaging"; deb = "python3-packaging"; };
  pathspec = fromDeb { pname = "pathspec"; deb = "python3-pathspec"; };
  pluggy = fromDeb { pname = "pluggy"; deb = "python3-pluggy"; };
  trove-classifiers = fromDeb { pname = "trove-classifiers"; deb = "python3-trove-classifiers"; };
  hatchling = fromDeb ({
    pname = "hatchling"; deb = "python3-hatchling";
    dependencies = with self; [ packaging pathspec pluggy trove-classifiers ];
    pythonImportsCheck = [ "hatchling.build" ];
  } // lib.optionalAttrs bookworm {
    # Bookworm has no `editables` (used by hatchling 1.12's editable installs only): dropped from the
    # metadata, as a nixpkgs package drops a requirement, so pypa/build's check of build requirements
    # (which follows them) passes. Trixie's hatchling no longer requires it.
    pythonRemoveDeps = [ "editables" ];
  });
  poetry-core = fromDeb { pname = "poetry-core"; deb = "python3-poetry-core"; pythonImportsCheck = [ "poetry.core.masonry.api" ]; };
  setuptools-scm = (fromDeb {
    pname = "setuptools-scm"; deb = "python3-setuptools-scm"; dependencies = with self; [ packaging setuptools typing-extensions ];
  }).overrideAttrs (_: { setupHook = ./setuptools-scm-hook.sh; });
  typing-extensions = fromDeb { pname = "typing-extensions"; deb = "python3-typing-extensions"; top = [ "typing_extensions.py" ]; };
  flit-core = fromDeb { pname = "flit-core"; deb = "flit"; top = [ "flit_core" ]; pythonImportsCheck = [ "flit_core.buildapi" ]; };
  build = fromDeb {
    pname = "build"; deb = "python3-build";
    dependencies = with self; [ packaging (if bookworm then pep517 else pyproject-hooks) ];
  };
  installer = fromDeb { pname = "installer"; deb = "python3-installer"; };

  # Flask and its dependencies.
  markupsafe = fromDeb { pname = "markupsafe"; deb = "python3-markupsafe"; platform = true; pythonImportsCheck = [ "markupsafe._speedups" ]; };
  itsdangerous = fromDeb { pname = "itsdangerous"; deb = "python3-itsdangerous"; };
  colorama = fromDeb { pname = "colorama"; deb = "python3-colorama"; };
  click = fromDeb { pname = "click"; deb = "python3-click"; };
  blinker = fromDeb { pname = "blinker"; deb = "python3-blinker"; };
}
// (if bookworm then {
  # Bookworm's own: pdm-pep517 (bookworm has no pdm-backend) and its dependencies, pep517 (build 0.9's
  # predecessor of pyproject-hooks), tomli and friends.
  pyparsing = fromDeb { pname = "pyparsing"; deb = "python3-pyparsing"; };
  tomli = fromDeb { pname = "tomli"; deb = "python3-tomli"; };
  tomli-w = fromDeb { pname = "tomli-w"; deb = "python3-tomli-w"; };
  toml = fromDeb { pname = "toml"; deb = "python3-toml"; };
  boolean-py = fromDeb { pname = "boolean.py"; deb = "python3-boolean"; };
  cerberus = fromDeb { pname = "cerberus"; deb = "python3-cerberus"; };
  license-expression = fromDeb { pname = "license-expression"; deb = "python3-license-expression"; dependencies = [ self.boolean-py ]; };
  pdm-pep517 = fromDeb {
    pname = "pdm-pep517"; deb = "python3-pdm-pep517";
    dependencies = with self; [ boolean-py cerberus license-expression packaging pyparsing tomli tomli-w setuptools ];
    pythonImportsCheck = [ "pdm.pep517.api" ];
  };
  pep517 = fromDeb { pname = "pep517"; deb = "python3-pep517"; dependencies = [ self.tomli ]; };

  # Debian bookworm drops install requirements from the metadata; the upstream ones are restored so the
  # wheels carry what PyPI's do.
  jinja2 = fromDeb { pname = "jinja2"; deb = "python3-jinja2"; dependencies = [ self.markupsafe ]; requiresDist = [ "MarkupSafe>=2.0" ]; };
  werkzeug = fromDeb { pname = "werkzeug"; deb = "python3-werkzeug"; extraDebs = [ "libjs-jquery" ]; dependencies = [ self.markupsafe ]; requiresDist = [ "MarkupSafe>=2.1.1" ]; };
  flask = fromDeb {
    pname = "flask"; deb = "python3-flask";
    dependencies = with self; [ click itsdangerous jinja2 werkzeug ];
    requiresDist = [ "Werkzeug>=2.2.2" "Jinja2>=3.0" "itsdangerous>=2.0" "click>=8.0" ];
    pythonImportsCheck = [ "flask" ];
  };

  # Binary wheels as PyPI ships them: greenlet's extension is C++ (libstdc++, libgcc_s), mappy's links zlib
  # and needs glibc 2.34. (Trixie's are absent: its greenlet needs GCC 14's libstdc++, newer than the
  # set's stdenv.cc.cc.lib, which a manylinux wheel never does.)
  greenlet = fromDeb { pname = "greenlet"; deb = "python3-greenlet"; platform = true; foreign = true; pythonImportsCheck = [ "greenlet" ]; };
  mappy = fromDeb {
    pname = "mappy"; deb = "python3-mappy"; platform = [ "manylinux_2_34_x86_64" ]; foreign = true;
    pythonImportsCheck = [ "mappy" ];
  };
} else {
  pyproject-hooks = fromDeb { pname = "pyproject-hooks"; deb = "python3-pyproject-hooks"; };

  # Trixie's wheels keep their upstream requirements.
  jinja2 = fromDeb { pname = "jinja2"; deb = "python3-jinja2"; dependencies = [ self.markupsafe ]; };
  werkzeug = fromDeb { pname = "werkzeug"; deb = "python3-werkzeug"; dependencies = [ self.markupsafe ]; };
  flask = fromDeb {
    pname = "flask"; deb = "python3-flask";
    dependencies = with self; [ blinker click itsdangerous jinja2 markupsafe werkzeug ];
    pythonImportsCheck = [ "flask" ];
  };
})
