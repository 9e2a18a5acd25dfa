# A deeper default.nix: nix_build must pick the one at the root, not this one.
{ }
