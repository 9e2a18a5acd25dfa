# testing/nixpkgs: a nixpkgs-shaped package set built offline from pinned Debian .debs (see README.md).
# Imported like nixpkgs: import ./testing/nixpkgs { system = "x86_64-linux"; config = { }; overlays = [ ]; }
# Given config and overlays, evaluation is pure: no <nixpkgs>, no environment, no clock. Without them it
# reads the user's, as nixpkgs' pkgs/top-level/impure.nix does: config from $NIXPKGS_CONFIG, else
# ~/.config/nixpkgs/config.nix (else ~/.nixpkgs/config.nix); overlays from <nixpkgs-overlays>, else
# ~/.config/nixpkgs/overlays.nix or the *.nix files of ~/.config/nixpkgs/overlays/. So a caller that
# forgets `config = { }; overlays = [ ];` is as exposed to a home directory here as on nixpkgs.
{ localSystem ? { system = args.system or "x86_64-linux"; }
, system ? localSystem.system
, crossSystem ? localSystem
, config ? (import ./impure.nix).config
, overlays ? (import ./impure.nix).overlays
, crossOverlays ? [ ]
}@args:
let
  lib = import ./lib;

  # nixpkgs also takes config as a function of the package set.
  config' = if builtins.isFunction config then config { inherit lib; } else config;

  checked =
    if system != "x86_64-linux" then
      throw "testing/nixpkgs: built from Debian amd64 .debs, it has only system \"x86_64-linux\" (asked: ${system})"
    else if (crossSystem.system or crossSystem) != system || crossOverlays != [ ] then
      throw "testing/nixpkgs: cross compilation is not supported"
    # Forced on every use of the set, as nixpkgs evaluates its config module on every import.
    else if !builtins.isAttrs config' then
      throw "testing/nixpkgs: `config` must be an attribute set or a function returning one"
    else if !builtins.isList overlays then
      throw "testing/nixpkgs: `overlays` must be a list of functions (final: prev: { ... })"
    else true;

  # The pinned .debs by Debian suite: bookworm's make the set, trixie's the second interpreter (python313).
  suites = import ./debs.nix { inherit lib; };
  inherit (suites.bookworm) debs debVersions;

  bootstrap = import ./bootstrap.nix { inherit lib system suites; };

  # One interpreter definition for every version; `final` so overlays reach the packages it builds with.
  mkPython = final: args: import ./python ({
    inherit lib;
    inherit (bootstrap) run patchelf;
    inherit (final) stdenv fetchurl autoPatchelfHook pythonManylinuxPackages;
  } // args);

  # The set before overlays; `final` is the set after them, as in nixpkgs' fixpoint.
  base = final: {
    inherit lib system;
    config = config';
    inherit (bootstrap) busybox bash bashInteractive coreutils findutils patchelf glibc;
    inherit (bootstrap.libs) zlib expat libffi openssl bzip2 xz sqlite ncurses readline libuuid libxcrypt db krb5 libtirpc;

    stdenv = import ./stdenv { inherit lib system; config = config'; inherit bootstrap; };
    stdenvNoCC = final.stdenv // { cc = null; };
    runtimeShell = "${final.bash}${final.bash.shellPath}";
    runtimeShellPackage = final.bash;

    cacert = final.stdenv.mkDerivation {
      pname = "nss-cacert";
      version = debVersions.ca-certificates;
      src = debs.ca-certificates;
      dontUnpack = true;
      # update-ca-certificates' bundle: every Mozilla certificate Debian ships, in name order.
      installPhase = ''
        mkdir -p x $out/etc/ssl/certs $out/nix-support
        dpkg-deb -x $src x
        cat x/usr/share/ca-certificates/mozilla/*.crt >$out/etc/ssl/certs/ca-bundle.crt
        printf 'export NIX_SSL_CERT_FILE=%s\nexport SSL_CERT_FILE=%s\n' \
          $out/etc/ssl/certs/ca-bundle.crt $out/etc/ssl/certs/ca-bundle.crt >$out/nix-support/setup-hook
      '';
    };

    # nixpkgs' tzdata: the IANA database in share/zoneinfo, posix/ a directory of links to every zone and
    # right/ the zones with leap seconds, as nixpkgs' postInstall lays them out; a setup hook exporting TZDIR.
    tzdata = final.stdenv.mkDerivation {
      pname = "tzdata";
      version = debVersions.tzdata;
      src = debs.tzdata;
      dontUnpack = true;
      installPhase = ''
        mkdir -p x $out/share $out/nix-support
        dpkg-deb -x $src x
        cp -a x/usr/share/zoneinfo $out/share/zoneinfo
        # Debian's localtime links to the host's /etc/localtime; nixpkgs has none (it removes tzdefault).
        rm -rf $out/share/zoneinfo/posix $out/share/zoneinfo/localtime
        mkdir $out/share/zoneinfo/posix
        ( cd $out/share/zoneinfo/posix; ln -s ../* .; rm posix )
        printf 'export TZDIR=%s\n' $out/share/zoneinfo >$out/nix-support/setup-hook
      '';
    };

    autoPatchelfHook = import ./auto-patchelf { inherit (final) stdenv patchelf glibc python3; };
    pythonManylinuxPackages = import ./python/manylinux.nix { inherit (final) lib glibc stdenv zlib expat libxcrypt; };

    # Debian bookworm's CPython 3.11, on the set's glibc.
    python311 = mkPython final {
      suite = suites.bookworm;
      inherit (bootstrap) glibc libs unpack fixElf;
      pythonVersion = "3.11";
      stdlibDebs = [ "python3-distutils" "python3-lib2to3" ];
    };
    # Debian trixie's CPython 3.13, on trixie's glibc: its closure holds a second glibc.
    python313 = mkPython final {
      suite = suites.trixie;
      inherit (bootstrap.trixie) glibc libs unpack fixElf;
      pythonVersion = "3.13";
    };
    # nixpkgs' default interpreter, as in current nixpkgs; generated code never relies on it.
    python3 = final.python313;
    python311Packages = final.python311.pkgs;
    python313Packages = final.python313.pkgs;
    python3Packages = final.python3.pkgs;
  }
  // import ./build-support.nix { inherit lib; inherit (final) stdenv runtimeShell; };
in
assert checked;
lib.fix (lib.extends (lib.composeManyExtensions overlays) base)
