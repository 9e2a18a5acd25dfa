#!/usr/bin/env bash
# How `nixpy image` scales: wall time and peak RSS against closure size and against path count.
#
#   dev/bench/scaling.sh
#
# SIZES (MB, default "100 400 1024") are 9-path closures shaped like image.sh's (glibc, python, six
# packages, the app; half source text, half incompressible); PATHS (default "10 1000 10000") are
# closures of that many small paths (a few KB each, all on one base path, all under the app). Each
# figure is the median of RUNS (default 3) cold runs. Linear behaviour shows as a flat s/GB column for
# the sizes and a flat ms/path column for the path counts; RSS should stay flat for both. Needs go,
# python3, /usr/bin/time. Leaves nothing behind (WORK=DIR keeps the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=${SIZES:-100 400 1024}
counts=${PATHS:-10 1000 10000}
runs=${RUNS:-3}
for bin in go python3 /usr/bin/time; do
  command -v "$bin" >/dev/null || { echo "scaling.sh: $bin not found" >&2; exit 1; }
done
work=${WORK:-$(mktemp -d /tmp/nixpy-scaling.XXXXXX)}
cleanup() { if [[ -z ${WORK:-} ]]; then chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; fi; }
trap cleanup EXIT
go -C tools build -o "$work/nixpy" ./cmd/nixpy

# generate DIR MB PATHS: a store under DIR/root/nix/store and its `nix path-info --json -r` in
# DIR/path-info.json; MB > 0 gives the 9-path shape of that size, else PATHS small paths.
generate() {
  python3 - "$@" <<'PY'
import hashlib, json, os, random, sys
d, mb, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = os.path.join(d, "root/nix/store")
os.makedirs(store)
rng = random.Random(16)
info = {}

def make(name, kb, refs, file_kb=64):
    p = os.path.join(store, name)
    h = hashlib.sha256()
    left, i = kb * 1024, 0
    while left > 0:
        size = min(left, max(256, int(file_kb * 1024 * rng.uniform(0.1, 1.9))))
        if i % 2:
            data = rng.randbytes(size)
            rel = f"lib/lib{i}.so"
        else:
            line = f"def {name[33:].replace('-', '_').replace('.', '_')}_f{i}(x): return x * {i}\n".encode()
            data = (line * (size // len(line) + 1))[:size]
            rel = f"share/m{i % 17}/f{i}.py"
        os.makedirs(os.path.dirname(os.path.join(p, rel)), exist_ok=True)
        with open(os.path.join(p, rel), "wb") as f:
            f.write(data)
        h.update(data)
        left -= size
        i += 1
    os.symlink("lib1.so" if i > 1 else "nothing", os.path.join(p, "libmain.so"))
    info["/nix/store/" + name] = {"narHash": "sha256:" + h.hexdigest(), "narSize": kb * 1024,
                                  "references": ["/nix/store/" + r for r in refs]}

base = "0" * 32 + "-glibc-2.40"
if mb > 0:
    unit = mb * 1024 // 400
    python = "1" * 32 + "-python3-3.12"
    make(base, 30 * unit, [base])
    make(python, 120 * unit, [base, python])
    pkgs = []
    for i in range(6):
        pkgs.append(f"{2:032d}"[:-2] + f"{i:02d}-python3.12-pkg{i}-1.0")
        make(pkgs[-1], 40 * unit, [base, python])
    deps = [base, python] + pkgs
else:
    make(base, 64, [base])
    deps = [base]
    for i in range(n - 2):
        name = f"{i:032d}-python3.12-pkg{i}-1.0"
        make(name, 3, [base, name], file_kb=1)
        deps.append(name)
make("9" * 32 + "-app-0.1", max(8, mb * 1024 // 40), deps)
with open(os.path.join(d, "path-info.json"), "w") as f:
    json.dump(info, f)
PY
}

# run CASE: RUNS cold `nixpy image` of the closure in WORK/CASE; sets s, rss_kb (medians), mb and n.
run() {
  local dir=$work/$1 r times=() kbs=() wall kb top
  "$work/nixpy" closure --from-json "$dir/path-info.json" -o "$dir/closure.json" 2>/dev/null
  top=$(python3 -c 'import json,sys; print(max(json.load(open(sys.argv[1]))))' "$dir/path-info.json")
  for ((r = 1; r <= runs; r++)); do
    rm -rf "$dir/image"
    sync
    /usr/bin/time -f "%e %M" -o "$dir/time" "$work/nixpy" image --closure "$dir/closure.json" --top "$top" \
      --store-dir "$dir/root/nix/store" --out "$dir/image" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
    read -r wall kb <"$dir/time"
    times+=("$wall") kbs+=("$kb")
  done
  s=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  rss_kb=$(printf '%s\n' "${kbs[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  mb=$(du -sm --apparent-size "$dir/root/nix/store" | cut -f1)
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$dir/path-info.json")
}

rows=()
for size in $sizes; do
  echo "generating a ${size} MB closure ..." >&2
  generate "$work/size$size" "$size" 0
  run "size$size"
  rows+=("$(printf '%-22s %8d %8d %10s %10.2f %12s %10d' "size ${size} MB" "$n" "$mb" "$s" "$(echo "$s * 1024 / $mb" | bc -l)" "-" $((rss_kb / 1024)))")
  chmod -R u+w "$work/size$size" && rm -rf "$work/size$size"
done
for count in $counts; do
  echo "generating $count small paths ..." >&2
  generate "$work/paths$count" 0 "$count"
  run "paths$count"
  rows+=("$(printf '%-22s %8d %8d %10s %10s %12.3f %10d' "paths $count" "$n" "$mb" "$s" "-" "$(echo "$s * 1000 / $n" | bc -l)" $((rss_kb / 1024)))")
  chmod -R u+w "$work/paths$count" && rm -rf "$work/paths$count"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "machine: $(nproc) cores ($cpu), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $runs cold runs of nixpy image"
printf '%-22s %8s %8s %10s %10s %12s %10s\n' "closure" "paths" "MB" "image (s)" "s/GB" "ms/path" "RSS (MB)"
printf '%s\n' "${rows[@]}"
echo "linear: s/GB flat across sizes, ms/path flat across path counts; RSS flat (target <= 64 MB)"
