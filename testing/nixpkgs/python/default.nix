# CPython from Debian's .debs, shaped like nixpkgs' python3 (pkgs/development/interpreters/python):
# lib/pythonX.Y/site-packages layout, setup hook, .pkgs, withPackages, buildEnv, override { packageOverrides }.
# One definition for every version of the set: python311 (bookworm) and python313 (trixie) differ only in
# the arguments below.
{ lib, stdenv, fetchurl, autoPatchelfHook, pythonManylinuxPackages
, run, patchelf            # bootstrap builders (bookworm's; they run at build time only)
, suite                    # the Debian suite's name, debs and debVersions: the interpreter's and its packages'
, glibc, libs, unpack, fixElf # that suite's glibc, the libraries python links, and helpers bound to them
, pythonVersion            # "3.11"
, stdlibDebs ? [ ]         # parts of the standard library Debian ships in packages of their own
}:
let
  inherit (suite) debVersions;

  version = debVersions."python${pythonVersion}-minimal";
  libPrefix = "python${pythonVersion}";
  sitePackages = "lib/${libPrefix}/site-packages";
  executable = libPrefix;

  interpreter = run {
    name = "python3-${version}";
    path = [ patchelf ];
    script = ''
      ${unpack ([ "${libPrefix}-minimal" "lib${libPrefix}-minimal" "lib${libPrefix}-stdlib" "media-types" ] ++ stdlibDebs)}
      mkdir -p $out/bin $out/lib $out/etc $out/nix-support
      cp -a x/${libPrefix}-minimal/usr/bin/${executable} $out/bin/
      ln -s ${executable} $out/bin/python3
      ln -s ${executable} $out/bin/python
      for d in x/*/usr/lib/${libPrefix}; do cp -a $d $out/lib/; done
      chmod -R u+w $out
      cd $out/lib/${libPrefix}
      # nixpkgs' python has no test suite and no Debian pip marker.
      rm -rf test EXTERNALLY-MANAGED
      # Debian's site.py reads site-packages only in venvs and dist-packages otherwise; nixpkgs' layout
      # is lib/pythonX.Y/site-packages for every prefix.
      sed -i 's/^            if is_virtual_environment:$/            if True:  # testing\/nixpkgs: site-packages, as in nixpkgs/' site.py
      grep -q 'if True:  # testing/nixpkgs' site.py
      # sitecustomize is a link into /etc on Debian; nixpkgs' reads NIX_PYTHONPATH.
      rm -f sitecustomize.py
      cp ${./sitecustomize.py} sitecustomize.py
      # Build configuration recorded for /usr: point it at the store path; tools by name, time zones from
      # the tzdata package only (no host zoneinfo).
      sed -i "s|'/usr|'$out|g; s| /usr/| $out/|g; s|=/usr/|=$out/|g; s|/bin/mkdir -p|mkdir -p|g; s|'/bin/sh|'sh|g
        s|:/usr/lib/zoneinfo:/usr/share/lib/zoneinfo:/etc/zoneinfo||g" _sysconfigdata_*.py
      # Executable stdlib modules (pdb.py, tarfile.py...) run with this interpreter, as nixpkgs' patchShebangs does.
      find . -type f -perm -0100 -name '*.py' | while read -r f; do
        sed -i '1s|^#!.*python.*$|#!'$out'/bin/${executable}|' "$f"
      done
      cd "$NIX_BUILD_TOP"
      cp x/media-types/etc/mime.types $out/etc/mime.types
      ${fixElf (lib.concatStringsSep ":" ([ "${glibc}/lib" ] ++ map (d: "${d}/lib") (builtins.attrValues libs)))}
      sed 's|@sitePackages@|${sitePackages}|g' ${./setup-hook.sh} >$out/nix-support/setup-hook
      # A link into /etc or /usr would dangle in a container holding only the closure.
      find $out -type l | while read -r l; do
        case "$(readlink "$l")" in /nix/store/*) ;; /*) echo "absolute link outside the store: $l" >&2; exit 1 ;; esac
      done
      PYTHONDONTWRITEBYTECODE=1 $out/bin/${executable} -c 'import sys, ssl, zlib, ctypes, sqlite3, lzma, bz2, pyexpat, readline, json, uuid, decimal; print(sys.version, sys.prefix)'
      # nixpkgs' cpython (rebuildBytecode): bytecode of every module at the three optimization levels, after all
      # edits; SOURCE_DATE_EPOCH makes compileall write checked-hash .pyc (PEP 552), so the output stays the
      # same on every build and a process never compiles the standard library at start.
      for opt in "" -O -OO; do
        find $out -name '*.py' | SOURCE_DATE_EPOCH=315532800 $out/bin/${executable} $opt -m compileall -q -f -x lib2to3 -i -
      done
    '';
  };

  # The python attribute set: the interpreter derivation plus nixpkgs' passthru, with a package set fixed by
  # packageOverrides (nixpkgs: python.override { packageOverrides = self: super: { ... }; }).
  mkPython = { packageOverrides ? (self: super: { }) }:
    let
      python = interpreter // {
        pname = "python3";
        inherit version pythonVersion sitePackages libPrefix executable;
        interpreter = "${interpreter}/bin/${executable}";
        implementation = "cpython";
        isPy3k = true;
        isPy310 = pythonVersion == "3.10";
        isPy311 = pythonVersion == "3.11";
        isPy312 = pythonVersion == "3.12";
        isPy313 = pythonVersion == "3.13";
        isPy314 = pythonVersion == "3.14";
        pythonAtLeast = lib.versionAtLeast pythonVersion;
        pythonOlder = lib.versionOlder pythonVersion;
        pythonOnBuildForHost = python;
        inherit stdenv;
        pkgs = pythonPackages;
        buildEnv = mkEnv { };
        withPackages = f: mkEnv { extraLibs = f pythonPackages; };
        override = mkPython;
        meta = { platforms = lib.platforms.linux; description = "CPython ${version} (Debian ${suite.name}'s build)"; };
      };

      pythonPackages = lib.fix (lib.extends packageOverrides (import ./python-packages.nix {
        inherit lib stdenv run unpack suite fetchurl python autoPatchelfHook pythonManylinuxPackages;
      })) // {
        # python3.pkgs.overrideScope (final: prev: { ... }): the set with one more overlay.
        overrideScope = f: (mkPython { packageOverrides = lib.composeExtensions packageOverrides f; }).pkgs;
      };

      # nixpkgs' python.buildEnv (wrapper.nix), made as a venv: bin/python3.11 links to the interpreter and
      # pyvenv.cfg makes it read this env's site-packages, so no shell wrapper is needed.
      mkEnv = { extraLibs ? [ ], ignoreCollisions ? false, postBuild ? "", makeWrapperArgs ? [ ], permitUserSite ? false, extraOutputsToInstall ? [ ] }@envArgs:
        let
          paths = pythonPackages.requiredPythonModules extraLibs;
          env = stdenv.mkDerivation {
            name = "python3-${version}-env";
            inherit postBuild ignoreCollisions;
            paths = map toString paths;
            passAsFile = [ "paths" ];
            buildCommand = ''
              mkdir -p $out/bin $out/${sitePackages}
              ln -s ${interpreter}/bin/${executable} $out/bin/${executable}
              ln -s ${executable} $out/bin/python3
              ln -s ${executable} $out/bin/python
              printf 'home = %s\ninclude-system-site-packages = false\nversion = %s\n' ${interpreter}/bin ${version} >$out/pyvenv.cfg
              link() {
                local dst=$2/$(basename "$1")
                if [ -e "$dst" ] || [ -L "$dst" ]; then
                  [ -n "$ignoreCollisions" ] || { echo "python env: collision between $(readlink "$dst") and $1" >&2; exit 1; }
                  return 0
                fi
                ln -s "$1" "$dst"
              }
              for p in $(cat $pathsPath); do
                for e in $p/${sitePackages}/*; do link "$e" $out/${sitePackages}; done
                for e in $p/bin/*; do link "$e" $out/bin; done
              done
              eval "$postBuild"
            '';
            passthru = {
              inherit python;
              interpreter = "${env}/bin/${executable}";
              inherit env;
              override = newArgs: mkEnv (envArgs // newArgs);
            };
          };
        in
        env;
    in
    python;
in
mkPython { }
