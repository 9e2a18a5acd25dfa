#!/usr/bin/env bash
# Benchmark of `nixpy ci` on a synthetic monorepo (issue 7): what a one-app change costs.
#
#   dev/enter dev/bench/ci.sh [PROJECTS]     (default 200; run in the rig)
#
# Writes PROJECTS Python projects (nixpkgs mode, a console script each) into a Git repository whose
# workspace uses this checkout's rules_nixpy, generates their BUILD files with `bazel run //:gazelle`,
# starts Debian's docker-registry on 127.0.0.1, then edits one app per commit and runs, as the example
# workflow does, `bazel run @rules_nixpy//:nixpy -- ci --base PREV --head NEW` three times.
# The first run warms the workspace (the nixpy tool's compilation, Nix builds of the shared base);
# the figures of the second and third are the steady state a CI machine with a warm output base sees:
# wall time, images pushed and skipped, the processes Bazel's build ran (its "N processes" line),
# and the bytes uploaded (the edited app's new repository mounts the shared layers from app-0's,
# pushed by the first run). Exits non-zero when a run pushes anything but the edited app.
# The workspace sits under /var/tmp (WORK=DIR to choose), kept for the next run's warm output base.
set -euo pipefail
cd "$(dirname "$0")/../.."
checkout=$(pwd -P)

n=${1:-200}
for bin in bazel git docker-registry curl jq; do
  command -v "$bin" >/dev/null || { echo "ci.sh: $bin not found: run it in the rig (dev/enter dev/bench/ci.sh)" >&2; exit 1; }
done
work=${WORK:-/var/tmp/nixpy-ci-bench}
registry_pid=
cleanup() { if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# --- the registry ----------------------------------------------------------------------------
rm -rf "$work/registry"
. dev/bench/registry.sh
start_registry "$work"

# --- the monorepo ----------------------------------------------------------------------------
repo=$work/repo
rm -rf "$repo/.git" "$repo/projects"
mkdir -p "$repo/projects"
cat >"$repo/MODULE.bazel" <<EOF2
module(name = "ci_bench")

bazel_dep(name = "rules_nixpy", version = "0.1.0")
bazel_dep(name = "rules_nixpy_tools", version = "0.1.0")
bazel_dep(name = "gazelle", version = "0.54.0", repo_name = "bazel_gazelle")
local_path_override(module_name = "rules_nixpy", path = "$checkout")
local_path_override(module_name = "rules_nixpy_tools", path = "$checkout/tools")

# The checkout lists no prebuilt nixpy: build it from source.
register_toolchains("@rules_nixpy_tools//toolchain:all")
EOF2
cat >"$repo/BUILD.bazel" <<EOF2
load("@bazel_gazelle//:def.bzl", "gazelle", "gazelle_binary")

# gazelle:nixpy_repository_prefix $registry_host/bench
# gazelle:nixpy_nixpkgs @rules_nixpy//testing/nixpkgs

gazelle_binary(
    name = "gazelle_bin",
    languages = ["@rules_nixpy_tools//gazelle"],
)

gazelle(
    name = "gazelle",
    gazelle = ":gazelle_bin",
)
EOF2
printf '/bazel-*\nMODULE.bazel.lock\n' >"$repo/.gitignore"
for ((i = 0; i < n; i++)); do
  d=$(printf '%s/projects/p%03d' "$repo" "$i")
  mkdir -p "$d/src/app_$i"
  printf '[project]\nname = "app-%d"\nversion = "1.0.0"\ndependencies = []\n\n[project.scripts]\nserve = "app_%d:main"\n\n[build-system]\nrequires = ["setuptools>=61", "wheel"]\nbuild-backend = "setuptools.build_meta"\n' "$i" "$i" >"$d/pyproject.toml"
  printf 'def main():\n    print("app %d")\n' "$i" >"$d/src/app_$i/__init__.py"
done
g() { git -C "$repo" -c user.name=bench -c user.email=bench@example.com -c commit.gpgsign=false "$@"; }
g init -q -b main
(cd "$repo" && bazel run //:gazelle 2>"$work/gazelle.log") || { tail -20 "$work/gazelle.log" >&2; exit 1; }
images=$(grep -l '^py_nix_image(' -r "$repo/projects" --include=BUILD.bazel | wc -l)
((images == n)) || { echo "ci.sh: Gazelle wrote $images of $n image targets" >&2; exit 1; }
g add -A && g commit -qm "$n projects"

# edit_and_ci I: edits project I, commits, runs nixpy ci over that commit, prints the figures.
edit_and_ci() {
  local i=$1 app base head start end log=$work/ci-$1.log
  app=$(printf 'projects/p%03d' "$i")
  printf '# edit %s\n' "$(date +%s%N)" >>"$repo/$app/src/app_$i/__init__.py"
  base=$(g rev-parse HEAD)
  g commit -qam "edit $app"
  head=$(g rev-parse HEAD)
  start=$(date +%s%N)
  (cd "$repo" && bazel run @rules_nixpy//:nixpy -- ci --base "$base" --head "$head" \
    --summary-json "$work/summary-$i.json" >"$work/table-$i.txt" 2>"$log") || { tail -30 "$log" >&2; exit 1; }
  end=$(date +%s%N)
  local pushed skipped bytes processes
  pushed=$(jq '[.images[] | select(.status == "pushed")] | length' "$work/summary-$i.json")
  skipped=$(jq '[.images[] | select(.status == "skipped")] | length' "$work/summary-$i.json")
  bytes=$(jq '[.images[].uploaded_bytes] | add' "$work/summary-$i.json")
  # The build's line comes after "nixpy ci:"; the nested `bazel run`s of the push only report a no-op.
  processes=$(awk '/^nixpy ci:/ { on = 1 } on && match($0, /INFO: [0-9]+ processes[^.]*/) { print substr($0, RSTART, RLENGTH); exit }' "$log")
  printf '%-6s %6.1f s  pushed %d, skipped %d, %s bytes uploaded; build: %s\n' "p$i" \
    "$(echo "($end - $start) / 1000000000" | bc -l)" "$pushed" "$skipped" "$bytes" "${processes#INFO: }"
  jq -r '.images[] | select(.status == "pushed") | "       blobs: \(.blobs_uploaded) uploaded, \(.blobs_existing) already there, \(.blobs_mounted) mounted"' "$work/summary-$i.json"
  if ((pushed != 1)) || [[ $(jq -r '.images[] | select(.status == "pushed") | .target' "$work/summary-$i.json") != "//$app:push" ]]; then
    echo "ci.sh: the edit of $app pushed something else:" >&2
    cat "$work/table-$i.txt" >&2
    exit 1
  fi
}

echo "monorepo: $n projects; one app edited per commit, nixpy ci over each commit"
edit_and_ci 0
echo "(first run above: warms the workspace; steady state below)"
edit_and_ci 1
edit_and_ci 2
