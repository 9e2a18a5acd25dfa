#!/usr/bin/env bash
# Bazel action: nix-build one attribute of a Nix file against a nixpkgs, then record the result's closure.
#   nix_build.sh NIXPY NIX_FILE ATTR NIXPKGS_DEFAULT_NIX SYSTEM OUT_CLOSURE OUT_PATH SRC_ROOT
#                [--config FILE] [--overlay FILE]... [--interpreter ATTRPATH] [REL SRC]...
# nixpkgs is imported hermetically: `config = { }; overlays = [ ];` unless --config (a .nix file of nixpkgs
# config) and --overlay (a .nix file of one overlay, in order) say otherwise, so neither $NIXPKGS_CONFIG nor
# ~/.config/nixpkgs (read by nixpkgs' impure.nix when config or overlays are not passed) reaches the build.
# --interpreter passes `python = pkgs.ATTRPATH` (e.g. python312) to the expression.
# Each SRC file is copied to REL (its path in the workspace) in a directory named "source"; SRC_ROOT in it (the
# directory of pyproject.toml) is passed as the `src` argument. So the store path of the source depends on the
# declared files alone, not on what else sits in the package, and local packages beside the project (workspace
# members) are where the expression expects them relative to src.
set -euo pipefail
nixpy=$1 nix_file=$2 attr=$3 nixpkgs_default=$4 system=$5 out_closure=$6 out_path=$7 src_root=$8
shift 8
config="{ }" overlays="" interpreter=""
while [ $# -gt 0 ]; do
  case $1 in
    --config) config="import $(readlink -f "$2")"; shift 2 ;;
    --overlay) overlays+=" (import $(readlink -f "$2"))"; shift 2 ;;
    --interpreter) interpreter=$2; shift 2 ;;
    *) break ;;
  esac
done

# Nix talks to the daemon: Bazel's sandbox leaves /nix/store read-only, as a multi-user install expects.
export NIX_REMOTE=${NIX_REMOTE:-daemon}
export PATH=$PATH:/nix/var/nix/profiles/default/bin:/run/current-system/sw/bin
command -v nix-build >/dev/null || { echo "nix-build not found on PATH ($PATH): install Nix" >&2; exit 1; }

# The nixpkgs directory itself, not the sandbox's symlinks to its files: Nix copies a symlink as a symlink.
nixpkgs=$(dirname "$(readlink -f "$nixpkgs_default")")

args=()
if [ $# -gt 0 ]; then
  stage=$(mktemp -d "${TMPDIR:-/tmp}/nixpy-src.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  while [ $# -gt 0 ]; do
    mkdir -p "$stage/source/$(dirname "$1")"
    cp -L "$2" "$stage/source/$1"
    shift 2
  done
  mkdir -p "$stage/source/$src_root"
  args+=(--arg src "$(cd "$stage/source/$src_root" && pwd)")
fi

pkgs="import $nixpkgs { system = \"$system\"; config = $config; overlays = [$overlays ]; }"
if [ -n "$interpreter" ]; then
  # A second import of the same nixpkgs: --arg expressions cannot see each other.
  args+=(--arg python "($pkgs).$interpreter")
fi
out=$(nix-build "$(readlink -f "$nix_file")" -A "$attr" --no-out-link --arg pkgs "$pkgs" "${args[@]}")
"$nixpy" closure -o "$out_closure" "$out"
echo "$out" > "$out_path"
