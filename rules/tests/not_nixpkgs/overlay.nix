# With not_nixpkgs/README.md: a target of two files, neither a default.nix, which nix_build rejects.
final: prev: { }
