# A stand-in for nixpkgs' entry point: the analysis tests never run Nix, they only need the file to exist.
{ system ? builtins.currentSystem, config ? { }, overlays ? [ ] }:
import ./pkgs/top-level/all-packages.nix { inherit system config overlays; }
