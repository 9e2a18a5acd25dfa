# The defaults nixpkgs' pkgs/top-level/impure.nix gives `config` and `overlays` when a caller passes
# none: the user's files, found through the environment and the home directory. Written from that
# file's documented behaviour (same sources, same order, same errors for ambiguous overlays).
let
  inherit (builtins) getEnv pathExists readDir attrNames filter match tryEval;
  homeDir = getEnv "HOME";
  try = x: def: let r = tryEval x; in if r.success then r.value else def;
  isDir = path: pathExists (path + "/.");
  overlaysAt = path:
    if isDir path then
      # A directory: its *.nix files and subdirectories with a default.nix, by name.
      map (n: import (path + "/${n}"))
        (filter (n: match ".*\\.nix" n != null || pathExists (path + "/${n}/default.nix"))
          (attrNames (readDir path)))
    else import path;
in
{
  config =
    let
      fromEnv = getEnv "NIXPKGS_CONFIG";
      home = homeDir + "/.config/nixpkgs/config.nix";
      legacy = homeDir + "/.nixpkgs/config.nix";
    in
    if fromEnv != "" && pathExists fromEnv then import fromEnv
    else if homeDir != "" && pathExists home then import home
    else if homeDir != "" && pathExists legacy then import legacy
    else { };

  overlays =
    let
      fromPath = try (toString <nixpkgs-overlays>) "";
      file = homeDir + "/.config/nixpkgs/overlays.nix";
      dir = homeDir + "/.config/nixpkgs/overlays";
    in
    if fromPath != "" && pathExists fromPath then overlaysAt fromPath
    else if homeDir == "" then [ ]
    else if pathExists file && pathExists dir then
      throw "Nixpkgs overlays can be specified with ${file} or ${dir}, but not both."
    else if pathExists file then
      (if isDir file then throw "${file} should be a file" else overlaysAt file)
    else if pathExists dir then
      (if isDir dir then overlaysAt dir else throw "${dir} should be a directory")
    else [ ];
}
