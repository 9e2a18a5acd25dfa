# The trivial builders, fetchurl's argument handling and cacert, built by the rig tests.
{ pkgs ? import ../. { } }:
let
  inherit (pkgs) lib;
  text = pkgs.writeText "greeting" "hello\n";
  script = pkgs.writeShellScript "greet" ''
    set -eu
    echo "$(cat ${text}) from $0"
  '';
  bin = pkgs.writeShellScriptBin "greet-bin" "echo bin";
  # stdenv.mkDerivation with the common arguments: src unpacked (a directory), phases, hooks, passthru.
  demo = pkgs.stdenv.mkDerivation (finalAttrs: {
    pname = "demo";
    version = "1.0";
    src = ./hello-setuptools;
    nativeBuildInputs = [ pkgs.python3 ];
    buildPhase = "python3 -c 'import sys; print(sys.version_info[0])' >major";
    postBuild = "echo built >>major";
    installPhase = ''
      mkdir -p $out/share
      cp major pyproject.toml $out/share/
      echo ${finalAttrs.version} >$out/share/version
    '';
    passthru.tag = "passed";
    meta.description = "mkDerivation demo";
  });
  onlyInstall = pkgs.stdenv.mkDerivation {
    name = "only-install";
    dontUnpack = true;
    phases = [ "installPhase" ];
    installPhase = "echo ok >$out";
  };
in
assert demo.tag == "passed" && demo.meta.description == "mkDerivation demo" && demo.pname == "demo";
pkgs.runCommand "trivial-builders" {
  nativeBuildInputs = [ pkgs.cacert ];
  joined = pkgs.symlinkJoin { name = "joined"; paths = [ bin pkgs.cacert ]; };
  binEnv = pkgs.buildEnv { name = "env"; paths = [ bin pkgs.cacert ]; pathsToLink = [ "/bin" ]; };
} ''
  ${script} | grep -q '^hello from /nix/store/'
  [ "$($joined/bin/greet-bin)" = bin ]
  [ -e $joined/etc/ssl/certs/ca-bundle.crt ]
  [ -e $binEnv/bin/greet-bin ] && [ ! -e $binEnv/etc ]
  [ "$SSL_CERT_FILE" = ${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt ]
  [ "$(cat ${demo}/share/major)" = "3
  built" ] && [ -e ${demo}/share/pyproject.toml ] && [ "$(cat ${demo}/share/version)" = 1.0 ]
  [ "$(cat ${onlyInstall})" = ok ]
  [ "$(grep -c 'BEGIN CERTIFICATE' $SSL_CERT_FILE)" -gt 100 ]
  echo ${lib.escapeShellArg (lib.concatStringsSep "," [ (lib.versions.major "3.11.2") (lib.optionalString true "y") ])} >$out
''
