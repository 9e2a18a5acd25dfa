#!/usr/bin/env bash
# The first build of examples/flask_app in a fresh output base, the way its user meets it, with nixpy prebuilt
# (rules_nixpy's default: a release of this checkout made by dev/release, served from files) and with nixpy built
# from source by rules_go (a copy of the example registering @rules_nixpy_tools//toolchain:all); then a rebuild
# after a source edit. Prints wall time and Bazel's process count for each. No disk cache, an empty output base;
# the Nix store keeps what earlier builds made, so the figures are Bazel's side (nixpy, Go, the image actions)
# plus the app's own derivation.
#
#   dev/enter dev/bench/firstbuild.sh        (inside the rig: needs bazel and go)
set -euo pipefail
cd "$(dirname "$0")/../.."
checkout=$PWD
for bin in bazel go; do command -v "$bin" >/dev/null || { echo "firstbuild.sh: $bin not found (run it in the rig)" >&2; exit 1; }; done

work=$checkout/examples/scratch_firstbuild
rm -rf "$work"; mkdir -p "$work"
cleanup() {
  for ws in "$work/prebuilt" "$work/source"; do
    [ -d "$ws" ] && (cd "$ws" && bazel --output_base="$work/ob_$(basename "$ws")" shutdown 2>/dev/null || true)
  done
  rm -rf "$work"
}
trap cleanup EXIT

dev/release --url "file://$work/release/nixpy_{platform}" 0.1.0 "$work/release" 2>/dev/null

for kind in prebuilt source; do
  cp -r examples/flask_app "$work/$kind"
  rm -f "$work/$kind"/bazel-*
  sed -i "s|path = \"../..\"|path = \"$checkout\"|" "$work/$kind/MODULE.bazel"
done
cat >>"$work/source/MODULE.bazel" <<EOF2

bazel_dep(name = "rules_nixpy_tools", version = "0.1.0")
local_path_override(module_name = "rules_nixpy_tools", path = "$checkout/tools")

register_toolchains("@rules_nixpy_tools//toolchain:all")
EOF2

# build KIND LABEL: one bazel build in the fresh output base of KIND; prints seconds and processes.
build() {
  local kind=$1 label=$2 t0 t1 log
  log=$work/$kind.$label.log
  t0=$(date +%s.%N)
  (cd "$work/$kind" && NIXPY_VERSIONS_FILE=$work/release/versions.json \
    bazel --output_base="$work/ob_$kind" build --disk_cache= //:image) >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
  t1=$(date +%s.%N)
  printf '%-9s %-24s %7.1f s  %s\n' "$kind" "$label" "$(echo "$t1 - $t0" | bc)" \
    "$(grep -o '[0-9]* processes[^.]*' "$log" | tail -1)"
}

echo "examples/flask_app, fresh output base, no disk cache ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for kind in prebuilt source; do
  build "$kind" "first build"
  sed -i 's/hello from examples\/flask_app/hello from examples\/flask_app, edited/' "$work/$kind/src/flask_app/__init__.py"
  build "$kind" "rebuild after an edit"
done
