#!/usr/bin/env bash
# Measures the whole suite on this machine: `dev/test --fresh` (every Go test runs), `dev/test` after it (go test
# -count=1 records no results, so this run reruns the tests the fresh run could not leave cached: the end-to-end
# tests change their own scratch directories), then `dev/test` with nothing changed (Go tests replayed from Go's
# test cache, see testing/testinputs). Prints one figure a line, with the time of the go test step and how many
# packages were replayed. A benchmark, not a test: the figures depend on the machine.
#   dev/bench/suite.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp /var/tmp/nixpy-suite-bench.XXXXXX)
trap 'rm -f "$log"' EXIT

# suite ARGS...: runs dev/test ARGS and prints "<seconds> <go test step seconds> <cached packages>/<packages>".
suite() {
  local t0 t1
  t0=$(date +%s.%N)
  dev/test "$@" > "$log" 2>&1 || { tail -30 "$log" >&2; echo "dev/bench/suite.sh: dev/test $* failed (end of its log above)" >&2; exit 1; }
  t1=$(date +%s.%N)
  # dev/test's step lines carry the seconds since it started: "=== [123s] check: go test".
  awk -v a="$t0" -v b="$t1" '
    /^=== \[[0-9]+s\] check: go test$/ { sub(/^=== \[/, ""); go = $0 + 0 }
    /^=== \[[0-9]+s\] check: bazel test$/ { sub(/^=== \[/, ""); gotest = $0 - go }
    /^ok / { pkgs++; if (/\(cached\)/) cached++ }
    END { printf "%.1f %d %d/%d\n", b - a, gotest, cached, pkgs }' "$log"
}

printf 'machine: %s, %s cores, %s RAM\n' "$(. /etc/os-release; echo "$PRETTY_NAME")" "$(nproc)" "$(free -h | awk '/Mem:/{print $2}')"
read -r total gotest cached < <(suite --fresh)
printf 'dev/test --fresh:           %6.1f s  (go test step %d s, %s packages cached)\n' "$total" "$gotest" "$cached"
read -r total gotest cached < <(suite)
printf 'dev/test after it:          %6.1f s  (go test step %d s, %s packages cached)\n' "$total" "$gotest" "$cached"
read -r total gotest cached < <(suite)
printf 'dev/test, nothing changed:  %6.1f s  (go test step %d s, %s packages cached)\n' "$total" "$gotest" "$cached"
