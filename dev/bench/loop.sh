#!/usr/bin/env bash
# Benchmark of the inner loop (issue 16, item 2): a source edit of examples/flask_app to a container answering it.
#
#   dev/enter dev/bench/loop.sh [EDITS]     (default 5; run in the rig)
#
# Copies examples/flask_app into WORK (default /var/tmp/nixpy-loop-bench, kept for a warm output base), pointed at
# this checkout and at a release of it (dev/release: the prebuilt nixpy, as a user has it), and loads it once to
# warm up. Then, EDITS times: edits the message in
# src/flask_app/__init__.py, builds //:load with `bazel run --script_path` and a profile, runs the load script
# (`nixpy load`), starts the container and polls GET / until it answers with the edit. Per edit it measures:
#   wall      the edit to the answer: the Bazel build, the load and the container start, end to end;
#   bazel     the `bazel run --script_path` invocation (analysis, the actions, Bazel's own overhead);
#   nix       the NixBuild action, Nix's build of the app's derivation (reported apart, as issue 16 asks);
#   actions   the other NixPy* actions of the profile (plan, the plain layer tar; any other that ran);
#   load      the load script: nixpy load streaming the missing layers to the engine;
#   answer    docker run -d until GET / answers with the edit.
# rules_nixpy's part is actions + load + answer: what rules_nixpy's actions, nixpy load and the image cost,
# without Nix's build of the app and without Bazel's fixed overhead (both printed). Prints each edit and the
# medians, with the machine's load average.
set -euo pipefail
cd "$(dirname "$0")/../.."
checkout=$(pwd -P)

edits=${1:-5}
for bin in bazel docker curl python3 find; do
  command -v "$bin" >/dev/null || { echo "loop.sh: $bin not found: run it in the rig (dev/enter dev/bench/loop.sh)" >&2; exit 1; }
done
work=${WORK:-/var/tmp/nixpy-loop-bench}
app=$work/flask_app
container=
cleanup() { if [[ -n $container ]]; then docker rm -f "$container" >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

mkdir -p "$app"
find "$app" -mindepth 1 -maxdepth 1 ! -name 'bazel-*' -exec rm -rf {} +
for f in examples/flask_app/*; do
  case $f in */bazel-*) ;; *) cp -a "$f" "$app/" ;; esac
done
# As a user of a release: the prebuilt nixpy of this checkout (dev/release, file:// URLs), no Go compiled.
rm -rf "$work/release"
dev/release --url "file://$work/release/nixpy_{platform}" 0.1.0 "$work/release" >"$work/release.log" 2>&1 ||
  { tail -20 "$work/release.log" >&2; exit 1; }
export NIXPY_VERSIONS_FILE=$work/release/versions.json
sed -i "s|path = \"../..\"|path = \"$checkout\"|" "$app/MODULE.bazel"
grep -q "path = \"$checkout\"" "$app/MODULE.bazel" || { echo "loop.sh: could not point $app/MODULE.bazel at $checkout" >&2; exit 1; }
# A tag of the bench's own, so no test's flask-app:latest comes or goes under it.
tag=nixpy-bench/loop:latest
sed -i "s|repo_tags = \\[\"flask-app:latest\"\\]|repo_tags = [\"$tag\"]|" "$app/BUILD.bazel"
grep -q "\"$tag\"" "$app/BUILD.bazel" || { echo "loop.sh: could not set the load target's tag in $app/BUILD.bazel" >&2; exit 1; }
source=$app/src/flask_app/__init__.py
script=$work/load.sh

# ms: milliseconds since the epoch.
ms() { date +%s%3N; }

# edit_and_load N: one loop; prints "wall bazel nix actions load answer" in ms.
edit_and_load() {
  local n=$1 message t0 t1 t2 t3 port body
  message="hello from the loop bench $(date +%s%N) $n"
  sed -i -E "s/\"message\": \"[^\"]*\"/\"message\": \"$message\"/" "$source"
  grep -q "$message" "$source" || { echo "loop.sh: the edit of $source did not take" >&2; exit 1; }
  t0=$(ms)
  (cd "$app" && bazel run --profile="$work/profile.json.gz" --script_path="$script" //:load 2>"$work/bazel.log") ||
    { tail -30 "$work/bazel.log" >&2; exit 1; }
  t1=$(ms)
  "$script" >/dev/null 2>"$work/load.log" || { cat "$work/load.log" >&2; exit 1; }
  t2=$(ms)
  container=$(docker run -d -p 127.0.0.1::8080 "$tag")
  port=$(docker port "$container" 8080/tcp | head -1)
  until body=$(curl -fsS "http://$port/" 2>/dev/null) && [[ $body == *"$message"* ]]; do
    (($(ms) - t2 < 60000)) || { echo "loop.sh: the container did not answer with the edit: ${body:-nothing}" >&2; docker logs "$container" >&2; exit 1; }
    sleep 0.02
  done
  t3=$(ms)
  docker rm -f "$container" >/dev/null
  container=
  read -r nix actions < <(python3 - "$work/profile.json.gz" <<'PY'
import gzip, json, sys
# Bazel's profile (Chrome trace format): an action's event has its mnemonic in args and its duration in µs.
events = json.load(gzip.open(sys.argv[1]))
events = events["traceEvents"] if isinstance(events, dict) else events
nix = own = 0
for e in events:
    m = (e.get("args") or {}).get("mnemonic", "")
    if e.get("ph") != "X" or not m:
        continue
    if m == "NixBuild":
        nix += e["dur"]
    elif m.startswith("NixPy"):
        own += e["dur"]
print(nix // 1000, own // 1000)
PY
  )
  echo "$((t3 - t0)) $((t1 - t0)) $nix $actions $((t2 - t1)) $((t3 - t2))"
}

echo "warming up: the first build of the example in $work (the Nix builds, every layer)"
edit_and_load 0 >/dev/null
grep -o 'sent [0-9]* of [0-9]* layers, [0-9]* bytes' "$work/load.log" | sed 's/^/  first load: /'

printf '\n%-6s %8s %8s %8s %8s %8s %8s %10s   %s\n' edit wall bazel nix actions load answer rules_nixpy "(ms)"
rows=()
for ((i = 1; i <= edits; i++)); do
  read -r wall bazel nix actions load answer < <(edit_and_load "$i")
  own=$((actions + load + answer))
  rows+=("$wall $bazel $nix $actions $load $answer $own")
  printf '%-6s %8d %8d %8d %8d %8d %8d %10d   %s\n' "$i" "$wall" "$bazel" "$nix" "$actions" "$load" "$answer" "$own" \
    "$(grep -o 'sent [0-9]* of [0-9]* layers, [0-9]* bytes' "$work/load.log")"
done
median() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{print $c}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-6s %8d %8d %8d %8d %8d %8d %10d\n' median "$(median 1)" "$(median 2)" "$(median 3)" "$(median 4)" "$(median 5)" "$(median 6)" "$(median 7)"

echo
echo "reload of the unchanged image:"
"$script" 2>&1 >/dev/null | grep -o 'sent [0-9]* of [0-9]* layers, [0-9]* bytes' | sed 's/^/  /'
echo "target: rules_nixpy's part (actions + load + answer) <= 2000 ms; Nix's build of the app apart: median $(median 3) ms"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
