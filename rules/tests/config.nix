# nixpkgs config for nix_build's analysis tests; never evaluated.
{ allowUnfree = true; }
