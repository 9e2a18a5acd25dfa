#!/usr/bin/env bash
# Measures testing/nixpkgs: cold builds (an empty private store, the .debs already fetched) of the whole
# set and of a flask environment per interpreter, and the closure sizes of the interpreters and of those
# environments.
# Run in the rig: dev/enter dev/bench/nixpkgs.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

set_expr='with import ./testing/nixpkgs { }; [ python311 python313 cacert bash coreutils busybox ]
  ++ builtins.attrValues (lib.filterAttrs (n: v: lib.isDerivation v && n != "python") python311Packages)
  ++ builtins.attrValues (lib.filterAttrs (n: v: lib.isDerivation v && n != "python") python313Packages)'
flask_expr() { echo "with import ./testing/nixpkgs { }; $1.withPackages (ps: [ ps.flask ])"; }

# cold NAME EXPR: build EXPR into a fresh store (--store DIR: nothing cached, nothing substituted).
cold() {
  local store real user sys
  # Not under /tmp: Nix refuses a store below a world-writable directory.
  mkdir -p "$HOME/.cache"
  store=$(mktemp -d "$HOME/.cache/nixpy-bench-store.XXXXXX")
  trap 'chmod -R u+w "$store" 2>/dev/null; rm -rf "$store" "$store.log"' EXIT
  # A local store: the builders are nix-build's children, so `time` counts their CPU too.
  local TIMEFORMAT="%R %U %S" t
  t=$( { time nix-build --store "$store" --option substituters '' --option sandbox true --no-out-link -E "$2" \
    >/dev/null 2>"$store.log"; } 2>&1) || { tail -20 "$store.log" >&2; exit 1; }
  read -r real user sys <<<"$t"
  printf '%-28s %6.1f s wall, %6.1f s CPU  (%d store paths; %d cores, load %s)\n' "cold build, $1:" "$real" \
    "$(awk "BEGIN{print $user + $sys}")" "$(ls "$store/nix/store" | grep -vc '\.drv$')" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
  chmod -R u+w "$store" && rm -rf "$store" "$store.log"
  trap - EXIT
}

closure_size() {
  local out
  out=$(nix-build --no-out-link -E "$2" 2>/dev/null)
  printf '%-28s %6.1f MB  (%d paths)\n' "closure, $1:" \
    "$(nix path-info -S "$out" | awk '{print $2 / 1e6}')" "$(nix-store -qR "$out" | wc -l)"
}

cold "the set" "$set_expr"
for py in python311 python313; do
  cold "$py flask env" "$(flask_expr $py)"
done
for py in python311 python313; do
  closure_size "$py" "with import ./testing/nixpkgs { }; $py"
  closure_size "$py flask env" "$(flask_expr $py)"
done
