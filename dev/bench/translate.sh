#!/usr/bin/env bash
# Benchmark of nixpy translate on a generated 300-package uv.lock (issue 4's target: under 50 ms
# and under 30 MB peak RSS on 2 cores).
#
#   dev/bench/translate.sh [RUNS]     (default 20 runs of the command)
#
# Prints the Go benchmark's ms/op for translate.Translate (BenchmarkTranslate300), then the
# wall time (median and best of RUNS) and peak RSS of the `nixpy translate` process on the same
# project. Peak RSS comes from /usr/bin/time -v when present, else from VmHWM in /proc, sampled
# until the process ends. Leaves nothing behind (WORK=DIR keeps the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${1:-20}
work=${WORK:-$(mktemp -d /tmp/nixpy-translate-bench.XXXXXX)}
cleanup() { if [[ -z ${WORK:-} ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

go -C tools test -run XXX -bench BenchmarkTranslate300 -benchtime 3s -count 3 ./translate |
  awk '/^BenchmarkTranslate300/ { printf "go benchmark: %.1f ms/op, %.1f MB allocated/op, %d allocs/op\n", $3 / 1e6, $7 / 1048576, $9 }'

go -C tools build -o "$work/nixpy" ./cmd/nixpy
go -C tools test -run TestBenchProject ./translate -args -bench-dir="$work" >/dev/null
echo "project: $(grep -c '^\[\[package\]\]' "$work/uv.lock") packages, uv.lock $(wc -c <"$work/uv.lock") bytes"

cmd=("$work/nixpy" translate --pyproject "$work/pyproject.toml" --lock "$work/uv.lock" --mode lock --python 3.12 -o "$work/out.nix")

# measure runs the command once and prints "wall_ms cpu_ms peak_kb"; cpu_ms is user+sys and
# is empty without /usr/bin/time, when peak RSS is sampled from VmHWM instead.
measure() {
  local start end
  if [[ -x /usr/bin/time ]]; then
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S %M' -o "$work/time" "${cmd[@]}"
    end=$(date +%s%N)
    awk -v w=$(((end - start) / 1000)) '{ printf "%.1f %.1f %d\n", w / 1000, ($1 + $2) * 1000, $3 }' "$work/time"
    return
  fi
  start=$(date +%s%N)
  "${cmd[@]}" &
  local pid=$! hwm=0 v
  while v=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [[ -n $v ]]; do
    hwm=$v
  done
  wait "$pid"
  end=$(date +%s%N)
  awk -v w=$(((end - start) / 1000)) -v m="$hwm" 'BEGIN { printf "%.1f - %d\n", w / 1000, m }'
}

for ((i = 0; i < runs; i++)); do measure; done >"$work/runs"
median_best() { sort -n | awk '{ v[NR] = $1 } END { printf "median %.1f ms, best %.1f ms", v[int((NR + 1) / 2)], v[1] }'; }
echo "nixpy translate, $runs runs: wall $(cut -d' ' -f1 "$work/runs" | median_best) (process start included)"
if [[ $(cut -d' ' -f2 "$work/runs" | head -1) != - ]]; then
  echo "nixpy translate, $runs runs: cpu user+sys $(cut -d' ' -f2 "$work/runs" | median_best) (10 ms resolution)"
fi
echo "nixpy translate: peak RSS $(cut -d' ' -f3 "$work/runs" | sort -n | tail -1 | awk '{ printf "%.1f MB", $1 / 1024 }') (max over the runs)"
echo "output: $(grep -c 'buildPythonPackage {' "$work/out.nix") packages, $(wc -c <"$work/out.nix") bytes"
