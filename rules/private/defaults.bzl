"""Defaults the rules need while Bazel analyses them, which the nixpy tool holds too.

The Go constants are the source: TestStarlarkDefaults (testing/rulesync) fails when a value here differs from
the one it names. Defaults the rules do not need at analysis are not here: the rules pass nothing and the tool
decides (the libc wheels must run on, translate.DefaultLibc; the Python version, from .python-version or
requires-python).
"""

# ociimage.DefaultMaxLayers: nix_image declares one layer slot per layer when it is analysed.
MAX_LAYERS = 12

# translate.DefaultSystem: the Nix system to build for, which nixpkgs is imported for and the image's
# platform comes from.
SYSTEM = "x86_64-linux"
