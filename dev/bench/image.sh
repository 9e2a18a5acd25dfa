#!/usr/bin/env bash
# Benchmark of nixpy image + push against crane append + push, on a synthetic closure.
#
#   dev/bench/image.sh [SIZE_MB]     (default 400; 1024 for the peak-RSS target on a 1 GB closure)
#
# Builds a fake Nix store of about SIZE_MB (many files, mixed sizes, half incompressible), starts
# Debian's docker-registry on 127.0.0.1, and prints side by side: cold `nixpy image` + `nixpy push`
# against `crane append` of one tar of the same closure + push; a warm rebuild after changing only the
# top path (nixpy plan, layer and assemble as nix_image's actions, with the unchanged layers reused as
# Bazel's action cache reuses them); the bytes of the second push; peak RSS of each step. Needs go, crane, docker-registry,
# /usr/bin/time. Leaves nothing behind (WORK=DIR keeps the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

size_mb=${1:-400}
for bin in go crane docker-registry /usr/bin/time jq; do
  command -v "$bin" >/dev/null || { echo "image.sh: $bin not found" >&2; exit 1; }
done

work=${WORK:-$(mktemp -d /tmp/nixpy-bench.XXXXXX)}
registry_pid=
cleanup() {
  if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  if [[ -z ${WORK:-} ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

go -C tools build -o "$work/nixpy" ./cmd/nixpy

# --- the synthetic closure -------------------------------------------------------------------
root=$work/root
store=$root/nix/store
mkdir -p "$store"

# make_path NAME KB FILES: about KB kilobytes in FILES text files (compressible, each distinct) and
# random blobs (incompressible), half and half.
make_path() {
  local name=$1 kb=$2 files=$3 dir=$store/$1 i
  mkdir -p "$dir/lib" "$dir/share/doc" "$dir/bin"
  local text_kb=$((kb / 2)) per=$((kb / 2 / files + 1))
  for ((i = 0; i < files; i++)); do
    # Sizes vary from a few hundred bytes to twice the mean.
    local bytes=$(((per * 1024 * (1 + (i * 7919) % 200)) / 100 + 200))
    yes "def ${name//-/_}_f$i(x): return x * $i  # $name line" | head -c "$bytes" >"$dir/share/doc/m$((i % 17))-file-$i.py" || true
  done
  local left=$((kb - text_kb)) chunk
  i=0
  while ((left > 0)); do
    chunk=$((left < 4096 ? left : 1 + (i * 1777) % 4096))
    head -c $((chunk * 1024)) /dev/urandom >"$dir/lib/lib$i.so"
    left=$((left - chunk)); i=$((i + 1))
  done
  ln -s lib0.so "$dir/lib/libmain.so"
  mkdir -p "$dir/share/empty"
  find "$dir" -type d -exec chmod 0555 {} +
  find "$dir" -type f -exec chmod 0444 {} +
}

# Stand-in narHash: content of the tree, so an edit changes it.
nar_hash() { (cd "$store/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }

scale=$((size_mb * 1024 / 400))   # KB per "unit" of the 400 MB shape below
declare -a names kbs
names+=("0000000000000000000000000000glib-glibc-2.40"); kbs+=($((30 * scale)))
names+=("1111111111111111111111111111pyth-python3-3.12"); kbs+=($((120 * scale)))
for i in $(seq -w 1 30); do names+=("2222222222222222222222222222p0$i-python3.12-pkg$i-1.0"); kbs+=($((8 * scale))); done
top_name="9999999999999999999999999999app0-app-0.1"
echo "generating a ~${size_mb} MB closure in $store ..." >&2
for idx in "${!names[@]}"; do
  make_path "${names[$idx]}" "${kbs[$idx]}" $((kbs[idx] / 64 + 20))
done
make_top() {
  chmod -R u+w "$store/$top_name" 2>/dev/null || true
  rm -rf "${store:?}/$top_name"
  make_path "$top_name" $((2 * scale)) 40
  chmod u+w "$store/$top_name/bin"
  printf '#!/bin/sh\necho %s\n' "$1" >"$store/$top_name/bin/app"
  chmod 0555 "$store/$top_name/bin/app" "$store/$top_name/bin"
}
make_top "version one"

# nix 2.34's `nix path-info --json -r` shape: glibc under everything, python under the packages.
path_info() {
  local glibc=/nix/store/${names[0]} python=/nix/store/${names[1]} first=1 idx refs
  printf '{'
  for idx in "${!names[@]}"; do
    case $idx in
      0) refs="\"$glibc\"" ;;
      1) refs="\"$glibc\"" ;;
      *) refs="\"$glibc\",\"$python\"" ;;
    esac
    ((first)) || printf ','
    first=0
    printf '"/nix/store/%s":{"narHash":"sha256:%s","narSize":%d,"references":[%s]}' \
      "${names[$idx]}" "$(nar_hash "${names[$idx]}")" "$(du -sb "$store/${names[$idx]}" | cut -f1)" "$refs"
  done
  local all=""
  for idx in "${!names[@]}"; do all+="${all:+,}\"/nix/store/${names[$idx]}\""; done
  printf ',"/nix/store/%s":{"narHash":"sha256:%s","narSize":%d,"references":[%s]}}' \
    "$top_name" "$(nar_hash "$top_name")" "$(du -sb "$store/$top_name" | cut -f1)" "$all"
}
path_info >"$work/path-info.json"
"$work/nixpy" closure --from-json "$work/path-info.json" -o "$work/closure.json" 2>/dev/null
closure_bytes=$(du -sb "$store" | cut -f1)
closure_files=$(find "$store" -type f | wc -l)

# --- the registry ----------------------------------------------------------------------------
. dev/bench/registry.sh
start_registry "$work"
host=$registry_host
export DOCKER_CONFIG=$work/docker-config
mkdir -p "$DOCKER_CONFIG"

# registry_cpu: CPU seconds the registry has used so far (clock ticks of utime + stime).
registry_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$registry_pid/stat"; }

# timed NAME CMD...: runs CMD, records wall seconds, CPU seconds (user + system), peak RSS (KB) and
# the registry's CPU seconds meanwhile as NAME_s, NAME_cpu, NAME_kb and NAME_reg. CPU seconds
# are the steadier figure on a machine shared with other work.
timed() {
  local name=$1 before; shift
  sync
  before=$(registry_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; exit 1; }
  local wall user sys kb
  read -r wall user sys kb <"$work/$name.time"
  printf -v "${name}_s" '%s' "$wall"
  printf -v "${name}_cpu" '%s' "$(echo "$user + $sys" | bc)"
  printf -v "${name}_kb" '%s' "$kb"
  printf -v "${name}_reg" '%s' "$(echo "$(registry_cpu) - $before" | bc)"
}

# --- nixpy: cold, then warm after a top change --------------------------------------------------
image_args=(--closure "$work/closure.json" --top "/nix/store/$top_name" --store-dir "$store")
timed image_cold "$work/nixpy" image "${image_args[@]}" --out "$work/image1"
timed push_cold "$work/nixpy" push --image "$work/image1" --repository "$host/bench/nixpy" --tag v1

# steps.sh NIXPY DIR PREV STORE PLAN_ARGS...: nix_image's actions (nixpy plan, layer and assemble) into DIR;
# a layer whose spec equals the one in PREV is taken from there instead of built, as Bazel's action cache would.
cat >"$work/steps.sh" <<'STEPS'
set -euo pipefail
nixpy=$1 dir=$2 prev=$3 store=$4; shift 4
mkdir -p "$dir"
outs=() asm=()
for i in $(seq 0 11); do outs+=(--layer-out "$dir/layer_$i.json"); done
"$nixpy" plan "$@" --config-out "$dir/config.json" "${outs[@]}"
for i in $(seq 0 11); do
  if [[ -n $prev ]] && cmp -s "$dir/layer_$i.json" "$prev/layer_$i.json"; then
    ln "$prev/layer_$i.tar.gz" "$dir/layer_$i.tar.gz" && cp "$prev/layer_$i.desc.json" "$dir/layer_$i.desc.json"
  else
    "$nixpy" layer --spec "$dir/layer_$i.json" --blob "$dir/layer_$i.tar.gz" --descriptor "$dir/layer_$i.desc.json" --store-dir "$store"
  fi
  asm+=(--descriptor "$dir/layer_$i.desc.json" --blob "$dir/layer_$i.tar.gz")
done
"$nixpy" assemble --config "$dir/config.json" "${asm[@]}" --out "$dir/image"
STEPS
bash "$work/steps.sh" "$work/nixpy" "$work/steps1" "" "$store" "${image_args[@]}" >/dev/null 2>&1

make_top "version two"
path_info >"$work/path-info.json"
"$work/nixpy" closure --from-json "$work/path-info.json" -o "$work/closure.json" 2>/dev/null
timed image_warm bash "$work/steps.sh" "$work/nixpy" "$work/steps2" "$work/steps1" "$store" "${image_args[@]}"
ln -s steps2/image "$work/image2"
timed push_warm "$work/nixpy" push --image "$work/image2" --repository "$host/bench/nixpy" --tag v2
second_push_bytes=$(sed -n 's/.*(\([0-9]*\) of [0-9]* bytes).*/\1/p' "$work/push_warm.err" | tail -1)
manifest=$(jq -r '.manifests[0].digest' "$work/image2/index.json")
top_layer_bytes=$(jq '.layers[-1].size' "$work/image2/blobs/sha256/${manifest#sha256:}")
config_bytes=$(jq '.config.size' "$work/image2/blobs/sha256/${manifest#sha256:}")
layers=$(jq '.layers | length' "$work/image2/blobs/sha256/${manifest#sha256:}")

# --- crane: one tar of the same closure, appended to an empty image and pushed ------------------
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" -C "$root" nix
timed crane crane append -f "$work/rootfs.tar" -t "$host/bench/crane:v1"

# --- report --------------------------------------------------------------------------------------
mb() { echo "scale=1; $1 / 1048576" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
nixpy_cold=$(echo "$image_cold_s + $push_cold_s" | bc)
nixpy_cpu=$(echo "$image_cold_cpu + $push_cold_cpu" | bc)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews wall times)"
echo "closure: $((${#names[@]} + 1)) store paths, $(mb "$closure_bytes") MB in $closure_files files; nixpy image: $layers layers"
echo
printf '%-34s %-28s %s\n' "" "nixpy" "crane append + push"
printf '%-34s %-28s %s\n' "cold build + push (s)" "$image_cold_s + $push_cold_s = $nixpy_cold" "$crane_s"
printf '%-34s %-28s %s\n' "  nixpy / crane" "$(ratio "$nixpy_cold" "$crane_s")" "(target <= 0.5)"
printf '%-34s %-28s %s\n' "cold client CPU (s)" "$image_cold_cpu + $push_cold_cpu = $nixpy_cpu" "$crane_cpu ($(ratio "$nixpy_cpu" "$crane_cpu")x)"
printf '%-34s %-28s %s\n' "registry CPU during push (s)" "$push_cold_reg" "$crane_reg"
printf '%-34s %-28s %s\n' "warm rebuild after top change (s)" "$image_warm_s" "($(ratio "$image_warm_s * 100" "$image_cold_s")% of cold; target < 10%)"
printf '%-34s %-28s %s\n' "second push uploaded (bytes)" "$second_push_bytes" "(top layer $top_layer_bytes + config $config_bytes: $(ratio "$second_push_bytes" "($top_layer_bytes + $config_bytes)")x; target <= 1.1x)"
printf '%-34s %-28s %s\n' "peak RSS (MB)" "image $((image_cold_kb / 1024)), push $((push_cold_kb / 1024))" "$((crane_kb / 1024)) (target nixpy < 100)"
