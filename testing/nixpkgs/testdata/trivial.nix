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
in
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
  [ "$(grep -c 'BEGIN CERTIFICATE' $SSL_CERT_FILE)" -gt 100 ]
  echo ${lib.escapeShellArg (lib.concatStringsSep "," [ (lib.versions.major "3.11.2") (lib.optionalString true "y") ])} >$out
''
