#!/usr/bin/env bash
# Measures the rig: fresh set-up into an empty folder, a cached rerun, its disk use, and a cold and a cached
# `bazel test //...` (cold: an empty output base, disk and repository caches). Prints one figure a line.
#   dev/bench/rig.sh [SCRATCH_DIR]     (default /var/tmp/nixpy-rig-bench; removed at the end)
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${1:-/var/tmp/nixpy-rig-bench}
rm -rf "$scratch"; mkdir -p "$scratch"
trap 'NIXPY_RIG=$scratch dev/enter bazel shutdown >/dev/null 2>&1 || true; pkill -f "$scratch/sid" 2>/dev/null || true; sleep 1; rm -rf "$scratch"' EXIT
export NIXPY_RIG=$scratch

secs() { local t0=$(date +%s.%N); "$@" > "$scratch.log" 2>&1 || { tail -20 "$scratch.log" >&2; exit 1; }; awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'; }

printf 'machine: %s, %s cores, %s RAM\n' "$(. /etc/os-release; echo "$PRETTY_NAME")" "$(nproc)" "$(free -h | awk '/Mem:/{print $2}')"
printf 'fresh setup:            %6.1f s\n' "$(secs dev/setup)"
printf 'cached setup rerun:     %6.1f s\n' "$(secs dev/setup)"
printf 'rig disk use:           %s\n' "$(du -sh "$scratch/sid" | cut -f1)"
printf 'cold bazel test //...:  %6.1f s\n' "$(secs dev/bazel test //...)"
printf 'cached bazel test //...:%6.1f s\n' "$(secs dev/bazel test //...)"
