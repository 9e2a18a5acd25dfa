# A Nix expression for nix_build's analysis tests; never evaluated.
{ pkgs, python ? pkgs.python312, src ? null }:
{ app = pkgs.hello; }
