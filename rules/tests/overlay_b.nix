# The second overlay of nix_build's analysis tests; never evaluated.
final: prev: { }
