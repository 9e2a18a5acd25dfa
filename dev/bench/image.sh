#!/usr/bin/env bash
# Benchmark of nixpy image + push against crane append + push and against pigz, on a synthetic closure.
#
#   dev/bench/image.sh [SIZE_MB [BIG_MB]]
#
# SIZE_MB defaults to 400 (the 410 MB closure of issue 16); BIG_MB makes the largest store path that
# big (`image.sh 1024 600` is the peak-RSS target: a 1 GB closure with a 600 MB path). RUNS=N (default
# 5) sets how many cold runs each figure is the median of.
#
# Builds a fake Nix store of about SIZE_MB (many files, mixed sizes, half incompressible), starts
# Debian's docker-registry on 127.0.0.1, and prints side by side: cold `nixpy image` + `nixpy push`
# against `crane append` of one tar of the same closure + push and against `pigz -1` over all cores of
# that tar (the compression bound); a warm rebuild after changing only the top path (nixpy plan, layer
# and assemble as nix_image's actions, with the unchanged layers reused as Bazel's action cache reuses
# them); the bytes of the second push as its --report-file says; peak RSS of each step. Needs go,
# docker-registry, pigz, python3, /usr/bin/time, jq, bc; crane is built from the Go proxy at tools/go.mod's
# go-containerregistry version when missing. Leaves nothing behind (WORK=DIR keeps the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

size_mb=${1:-400}
big_mb=${2:-}
runs=${RUNS:-5}
for bin in go docker-registry pigz python3 /usr/bin/time jq bc; do
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
if ! command -v crane >/dev/null; then
  ggcr=$(go -C tools list -m -f '{{.Version}}' github.com/google/go-containerregistry)
  GOBIN=$work/bin go install "github.com/google/go-containerregistry/cmd/crane@$ggcr"
  PATH=$work/bin:$PATH
fi

# --- the synthetic closure -------------------------------------------------------------------
root=$work/root
store=$root/nix/store
mkdir -p "$store"

# make_path NAME KB FILES: about KB kilobytes in FILES text files (compressible, each distinct) and
# random blobs (incompressible), half and half; in Python, since a process per file takes minutes.
make_path() {
  python3 - "$store/$1" "$2" "$3" "$1" <<'PY'
import os, sys
d, kb, files, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for sub in ("lib", "share/doc", "bin", "share/empty"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
per = kb // 2 // files + 1
for i in range(files):
    # Sizes vary from a few hundred bytes to twice the mean.
    size = (per * 1024 * (1 + (i * 7919) % 200)) // 100 + 200
    line = f"def {name.replace('-', '_')}_f{i}(x): return x * {i}  # {name} line\n".encode()
    with open(os.path.join(d, f"share/doc/m{i % 17}-file-{i}.py"), "wb") as f:
        f.write((line * (size // len(line) + 1))[:size])
left, i = kb - kb // 2, 0
while left > 0:
    chunk = left if left < 4096 else 1 + (i * 1777) % 4096
    with open(os.path.join(d, f"lib/lib{i}.so"), "wb") as f:
        f.write(os.urandom(chunk * 1024))
    left, i = left - chunk, i + 1
os.symlink("lib0.so", os.path.join(d, "lib/libmain.so"))
for root, dirs, names in os.walk(d):
    for n in names:
        if not os.path.islink(os.path.join(root, n)):
            os.chmod(os.path.join(root, n), 0o444)
    for n in dirs:
        os.chmod(os.path.join(root, n), 0o555)
os.chmod(d, 0o555)
PY
}

# Stand-in narHash: content of the tree, so an edit changes it.
nar_hash() { (cd "$store/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }

# KB per "unit" of the 400 MB shape below: python is 120 units, the rest 280.
if [[ -n $big_mb ]]; then
  scale=$(((size_mb - big_mb) * 1024 / 280)) big_kb=$((big_mb * 1024))
else
  scale=$((size_mb * 1024 / 400)) big_kb=$((120 * size_mb * 1024 / 400))
fi
declare -a names kbs
names+=("0000000000000000000000000000glib-glibc-2.40"); kbs+=($((30 * scale)))
names+=("1111111111111111111111111111pyth-python3-3.12"); kbs+=($big_kb)
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

# median NAME SUFFIX: the median over the runs of NAME_1_SUFFIX .. NAME_RUNS_SUFFIX.
median() {
  local name=$1 suffix=$2 r v vals=()
  for ((r = 1; r <= runs; r++)); do v=${name}_${r}_${suffix}; vals+=("${!v}"); done
  printf '%s\n' "${vals[@]}" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# --- cold: nixpy image + push, crane append + push, pigz; RUNS times, interleaved -------------------
image_args=(--closure "$work/closure.json" --top "/nix/store/$top_name" --store-dir "$store")
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" -C "$root" nix
tar_bytes=$(stat -c %s "$work/rootfs.tar")
echo "cold runs: $runs of nixpy image + push, crane append + push, pigz -1 -p $(nproc) ..." >&2
for ((r = 1; r <= runs; r++)); do
  rm -rf "$work/image1" "$work/rootfs.tar.gz"
  # Each run pushes to fresh repositories of the registry, so nothing is there yet.
  timed "image_${r}" "$work/nixpy" image "${image_args[@]}" --out "$work/image1"
  timed "push_${r}" "$work/nixpy" push --image "$work/image1" --repository "$host/bench/nixpy$r" --tag v1 --report-file "$work/push_$r.json"
  timed "crane_${r}" crane append -f "$work/rootfs.tar" -t "$host/bench/crane$r:v1"
  timed "pigz_${r}" sh -c 'pigz -1 -p "$(nproc)" -c "$1" >"$2"' sh "$work/rootfs.tar" "$work/rootfs.tar.gz"
  a=image_${r}_s b=push_${r}_s; printf -v "both_${r}_s" '%s' "$(echo "${!a} + ${!b}" | bc)"
  a=image_${r}_cpu b=push_${r}_cpu; printf -v "both_${r}_cpu" '%s' "$(echo "${!a} + ${!b}" | bc)"
done
for step in image push both crane pigz; do
  for field in s cpu; do printf -v "${step}_cold_${field}" '%s' "$(median "$step" "$field")"; done
done
for step in image push crane; do
  printf -v "${step}_cold_kb" '%s' "$(median "$step" kb)"
  printf -v "${step}_cold_reg" '%s' "$(median "$step" reg)"
done
image_kb_max=0 push_kb_max=0
for ((r = 1; r <= runs; r++)); do
  v=image_${r}_kb; ((${!v} > image_kb_max)) && image_kb_max=${!v}
  v=push_${r}_kb; ((${!v} > push_kb_max)) && push_kb_max=${!v}
done
pigz_bytes=$(stat -c %s "$work/rootfs.tar.gz")
nixpy_blob_bytes=$(jq '.total_bytes' "$work/push_1.json")

# --- warm: a top change -------------------------------------------------------------------------

# steps.sh NIXPY DIR PREV STORE PLAN_ARGS...: nix_image's actions (nixpy plan, layer and assemble) into DIR;
# a layer whose spec equals the one in PREV is taken from there instead of built, as Bazel's action cache would.
# Writes the seconds the nixpy actions took, together, to DIR/actions.s: the script's own comparisons and
# links stand in for Bazel's action cache and are not part of the rebuild.
cat >"$work/steps.sh" <<'STEPS'
set -euo pipefail
nixpy=$1 dir=$2 prev=$3 store=$4; shift 4
mkdir -p "$dir"
outs=() asm=() spent=0
action() {
  local t0=$EPOCHREALTIME
  "$nixpy" "$@"
  spent=$(echo "$spent + $EPOCHREALTIME - $t0" | bc)
}
for i in $(seq 0 11); do outs+=(--layer-out "$dir/layer_$i.json"); done
action plan "$@" --config-out "$dir/config.json" "${outs[@]}"
for i in $(seq 0 11); do
  if [[ -n $prev ]] && cmp -s "$dir/layer_$i.json" "$prev/layer_$i.json"; then
    ln "$prev/layer_$i.tar.gz" "$dir/layer_$i.tar.gz" && cp "$prev/layer_$i.desc.json" "$dir/layer_$i.desc.json"
  else
    action layer --spec "$dir/layer_$i.json" --blob "$dir/layer_$i.tar.gz" --descriptor "$dir/layer_$i.desc.json" --store-dir "$store"
  fi
  asm+=(--descriptor "$dir/layer_$i.desc.json" --blob "$dir/layer_$i.tar.gz")
done
action assemble --config "$dir/config.json" "${asm[@]}" --out "$dir/image"
echo "$spent" >"$dir/actions.s"
STEPS
bash "$work/steps.sh" "$work/nixpy" "$work/steps1" "" "$store" "${image_args[@]}" >/dev/null 2>&1

make_top "version two"
path_info >"$work/path-info.json"
"$work/nixpy" closure --from-json "$work/path-info.json" -o "$work/closure.json" 2>/dev/null
timed image_warm bash "$work/steps.sh" "$work/nixpy" "$work/steps2" "$work/steps1" "$store" "${image_args[@]}"
image_warm_s=$(printf '%.3f' "$(<"$work/steps2/actions.s")")
ln -s steps2/image "$work/image2"
timed push_warm "$work/nixpy" push --image "$work/image2" --repository "$host/bench/nixpy1" --tag v2 --report-file "$work/push_warm.json"
second_push_bytes=$(jq '.uploaded_bytes' "$work/push_warm.json")
manifest=$(jq -r '.manifests[0].digest' "$work/image2/index.json")
top_layer_bytes=$(jq '.layers[-1].size' "$work/image2/blobs/sha256/${manifest#sha256:}")
config_bytes=$(jq '.config.size' "$work/image2/blobs/sha256/${manifest#sha256:}")
layers=$(jq '.layers | length' "$work/image2/blobs/sha256/${manifest#sha256:}")

# --- report --------------------------------------------------------------------------------------
mb() { echo "scale=1; $1 / 1048576" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
nixpy_cold=$both_cold_s
nixpy_cpu=$both_cold_cpu
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews wall times)"
echo "closure: $((${#names[@]} + 1)) store paths, $(mb "$closure_bytes") MB in $closure_files files; nixpy image: $layers layers"
echo
echo "cold figures are medians of $runs runs; the tar of the closure is $(mb "$tar_bytes") MB, nixpy's layers $(mb "$nixpy_blob_bytes") MB gzipped, pigz's $(mb "$pigz_bytes") MB"
echo
printf '%-34s %-28s %s\n' "" "nixpy" "crane append + push"
printf '%-34s %-28s %s\n' "cold image + push (s)" "$image_cold_s + $push_cold_s -> $nixpy_cold" "$crane_cold_s"
printf '%-34s %-28s %s\n' "  nixpy / crane" "$(ratio "$nixpy_cold" "$crane_cold_s")" "(target <= 0.25)"
printf '%-34s %-28s %s\n' "cold client CPU (s)" "$image_cold_cpu + $push_cold_cpu -> $nixpy_cpu" "$crane_cold_cpu ($(ratio "$nixpy_cpu" "$crane_cold_cpu")x)"
printf '%-34s %-28s %s\n' "registry CPU during push (s)" "$push_cold_reg" "$crane_cold_reg"
# Every CPU second of image + push (ours and the registry's, which hashes what it receives) spread over all
# cores: no schedule of the same work on this machine finishes sooner.
floor=$(echo "scale=2; ($nixpy_cpu + $push_cold_reg) / $(nproc)" | bc)
printf '%-34s %-28s %s\n' "  CPU floor of image + push (s)" "$floor" "(nixpy + registry CPU / $(nproc) cores: $(ratio "$floor" "$crane_cold_s")x crane)"
printf '%-34s %-28s %s\n' "pigz -1 -p $(nproc) of the tar (s)" "$pigz_cold_s" "(CPU $pigz_cold_cpu s)"
printf '%-34s %-28s %s\n' "  nixpy image + push / pigz" "$(ratio "$nixpy_cold" "$pigz_cold_s")" "(target <= 1.1)"
printf '%-34s %-28s %s\n' "  nixpy image alone / pigz" "$(ratio "$image_cold_s" "$pigz_cold_s")" ""
printf '%-34s %-28s %s\n' "warm rebuild after top change (s)" "$image_warm_s" "(nixpy's actions; $(ratio "$image_warm_s * 100" "$image_cold_s")% of cold; target < 10%)"
printf '%-34s %-28s %s\n' "second push uploaded (bytes)" "$second_push_bytes" "(--report-file; top layer $top_layer_bytes + config $config_bytes: $(ratio "$second_push_bytes" "$top_layer_bytes")x the top layer; target <= 1.1x)"
printf '%-34s %-28s %s\n' "peak RSS, median / max (MB)" "image $((image_cold_kb / 1024)) / $((image_kb_max / 1024)), push $((push_cold_kb / 1024)) / $((push_kb_max / 1024))" "crane $((crane_cold_kb / 1024)) (target nixpy <= 64)"
