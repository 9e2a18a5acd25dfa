#!/usr/bin/env bash
# Benchmark of nixpy sbom (an image's CycloneDX SBOM) on a synthetic closure of a translated lock.
#
#   dev/bench/sbom.sh [PROJECT_DIR [RUNS]]
#
# PROJECT_DIR holds pyproject.toml and uv.lock (or another lock; an `args` file there gives translate's
# flags, as the real-world corpus has); default: translate's generated 300-package project. The script
# translates it with --distributions-out, then makes a fake store in which each locked distribution is a
# store path python3.X-NAME-VERSION with a .dist-info/METADATA, referencing the interpreter and the store
# paths of its lock dependencies, plus the interpreter, glibc and the application, and writes its
# closure.json. No Nix build: the closure is synthetic, the SBOM step is the real one (--store-dir).
# Prints the wall time (median and best of RUNS, default 10), peak RSS and the SBOM's size and counts.
# TRANSLATE_ARGS adds translate flags (e.g. "--extras all --groups dev,docs" for most of a lock's packages).
# Needs go, jq, /usr/bin/time. Leaves nothing behind (WORK=DIR keeps the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

project=${1:-}
runs=${2:-10}
for bin in go jq /usr/bin/time; do
  command -v "$bin" >/dev/null || { echo "sbom.sh: $bin not found" >&2; exit 1; }
done
work=${WORK:-$(mktemp -d /tmp/nixpy-sbom-bench.XXXXXX)}
cleanup() { if [[ -z ${WORK:-} ]]; then chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; fi; }
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
go -C tools build -o "$work/nixpy" ./cmd/nixpy

args=(--mode lock --python 3.12 --system x86_64-linux)
if [[ -z $project ]]; then
  project=$work/project
  mkdir -p "$project"
  go -C tools test -run TestBenchProject ./translate -args -bench-dir="$project" >/dev/null
elif [[ -f $project/args ]]; then
  read -r -a args <"$project/args"
fi
# shellcheck disable=SC2206 # TRANSLATE_ARGS is words on purpose
args+=(${TRANSLATE_ARGS:-})
lock=$(find "$project" -maxdepth 1 \( -name uv.lock -o -name poetry.lock -o -name pdm.lock -o -name pylock.toml -o -name 'requirements*.txt' \) | head -1)
"$work/nixpy" translate --pyproject "$project/pyproject.toml" --lock "$lock" "${args[@]}" \
  -o "$work/out.nix" --distributions-out "$work/distributions.json"
python=$(jq -r .python "$work/distributions.json")
echo "project: $project, $(jq '.distributions | length' "$work/distributions.json") locked distributions for python $python"

# --- the synthetic closure: one store path per distribution, named and laid out as nixpkgs builds them ---
store=$work/store
mkdir -p "$store"
hashpart() { printf '%s' "$1" | sha256sum | tr -dc 'a-z0-9' | head -c 32; }
narhash() { printf "$(printf '%s' "$1" | sha256sum | cut -c1-64 | sed 's/../\\x&/g')" | base64; }
glibc=/nix/store/$(hashpart glibc)-glibc-2.40-66
interp=/nix/store/$(hashpart python)-python3-$python.8
app=/nix/store/$(hashpart app)-python$python-app-1.0
declare -A path_of
while IFS=$'\t' read -r name version; do
  path_of[$name]=/nix/store/$(hashpart "$name")-python$python-$name-${version:-0}
done < <(jq -r '.distributions[] | [.name, .version] | @tsv' "$work/distributions.json")
{
  printf '{"path":"%s","narHash":"sha256-%s","narSize":30000000,"references":[]}\n' "$glibc" "$(narhash glibc)"
  printf '{"path":"%s","narHash":"sha256-%s","narSize":110000000,"references":["%s"]}\n' "$interp" "$(narhash python)" "$glibc"
  refs=$(printf '"%s",' "$interp" "${path_of[@]}")
  printf '{"path":"%s","narHash":"sha256-%s","narSize":20000,"references":[%s]}\n' "$app" "$(narhash app)" "${refs%,}"
  while IFS=$'\t' read -r name version deps; do
    p=${path_of[$name]}
    dist=$store/$(basename "$p")/lib/python$python/site-packages/${name//-/_}-${version:-0}.dist-info
    mkdir -p "$dist"
    printf 'Metadata-Version: 2.4\nName: %s\nVersion: %s\nLicense-Expression: MIT\nClassifier: License :: OSI Approved :: MIT License\n\n' \
      "$name" "${version:-0}" >"$dist/METADATA"
    refs="\"$interp\""
    for d in $deps; do refs+=",\"${path_of[$d]}\""; done
    printf '{"path":"%s","narHash":"sha256-%s","narSize":1000000,"references":[%s]}\n' "$p" "$(narhash "$name")" "$refs"
  done < <(jq -r '.distributions[] | [.name, .version, (.dependencies | join(" "))] | @tsv' "$work/distributions.json")
} | jq -s '{paths: .}' >"$work/closure.json"
echo "$app" >"$work/out_path"
echo "sha256:$(printf image | sha256sum | cut -d' ' -f1)" >"$work/digest"
echo "closure: $(jq '.paths | length' "$work/closure.json") store paths"

cmd=("$work/nixpy" sbom --closure "$work/closure.json" --top-file "$work/out_path" --digest-file "$work/digest"
  --distributions "$work/distributions.json" --name app --store-dir "$store" --out "$work/app.sbom")
for ((i = 0; i < runs; i++)); do
  start=$(date +%s%N)
  /usr/bin/time -f '%M %U %S' -o "$work/time" "${cmd[@]}"
  end=$(date +%s%N)
  echo "$(((end - start) / 1000)) $(cat "$work/time")"
done >"$work/runs"
sort -n "$work/runs" | awk '{ v[NR] = $1; if ($2 > m) m = $2 } END {
  printf "nixpy sbom, %d runs: wall median %.1f ms, best %.1f ms (process start included); peak RSS %.1f MB\n", NR, v[int((NR + 1) / 2)] / 1000, v[1] / 1000, m / 1024 }'
awk '{ print ($3 + $4) * 1000 }' "$work/runs" | sort -n | awk '{ v[NR] = $1 } END {
  printf "nixpy sbom, %d runs: cpu user+sys median %.0f ms, best %.0f ms (10 ms resolution)\n", NR, v[int((NR + 1) / 2)], v[1] }'
sha256sum "$work/app.sbom" >"$work/sum"
"${cmd[@]}" && sha256sum --quiet -c "$work/sum" && echo "deterministic: a second run wrote the same bytes"
echo "SBOM: $(wc -c <"$work/app.sbom") bytes, $(jq '.components | length' "$work/app.sbom") components, $(jq '[.dependencies[].dependsOn // [] | length] | add' "$work/app.sbom") dependency edges, $(gzip -9c "$work/app.sbom" | wc -c) bytes gzipped"
