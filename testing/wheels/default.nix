# Test wheels with their upstream file names, made from what Debian ships (testing/nixpkgs repacks each
# .deb as a wheel) and never downloaded from a package index. $out holds the wheels and manifest.json:
# name, version, filename, sha256 (hex and SRI) and a files.pythonhosted.org-style URL whose path carries the
# file's blake2b-256, as PyPI's do. testing/wheels/add-wheels adds them to the store so that
# fetchurl { url; hash; } of those URLs builds offline.
{ pkgs ? import ../nixpkgs { } }:
let
  # python311's: lock-mode tests pin these wheels (bookworm's builds, cp311 for the binary ones).
  ps = pkgs.python311.pkgs;
  # Flask and its dependencies, plus the build backends a lock file may pin.
  packages = with ps; [
    flask werkzeug jinja2 markupsafe click itsdangerous blinker colorama
    setuptools wheel hatchling packaging pathspec pluggy trove-classifiers poetry-core flit-core
    # Binary wheels whose extension modules have no RPATH, as on PyPI: they need autoPatchelfHook.
    greenlet mappy
  ];
  entries = map (p: { name = p.pname; inherit (p) version; src = p.src; }) packages;
in
pkgs.runCommand "nixpy-test-wheels" {
  nativeBuildInputs = [ pkgs.python311 ];
  entries = builtins.toJSON entries;
  passAsFile = [ "entries" ];
} ''
  mkdir $out
  python3 ${./manifest.py} "$entriesPath" $out
''
