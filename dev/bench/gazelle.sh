#!/usr/bin/env bash
# Benchmark of the nixpy Gazelle extension (issue 7's target: under 2 s on a monorepo of 200 Python
# projects, and a second run that changes nothing).
#
#   dev/bench/gazelle.sh [PROJECTS]     (default 200)
#
# Builds @rules_nixpy_tools//gazelle:gazelle_bin (Gazelle with the Go and nixpy languages) in the rig, copies
# it out, writes a synthetic monorepo under a temp dir (projects/pNNN, the pyproject kinds and lock
# files in turn, src layout, two scripts in every third project), runs `gazelle_bin update` over it
# twice and prints both wall times and how many BUILD files each run changed. Exits non-zero when
# the second run changes a file. Leaves nothing behind (WORK=DIR keeps the work directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-200}
work=${WORK:-$(mktemp -d /tmp/nixpy-gazelle-bench.XXXXXX)}
cleanup() { if [[ -z ${WORK:-} ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT
mkdir -p "$work"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

dev/bazel build @rules_nixpy_tools//gazelle:gazelle_bin 2>/dev/null
bin=$(dev/bazel cquery --output=files @rules_nixpy_tools//gazelle:gazelle_bin 2>/dev/null)
# bazel-out resolves only inside the rig; the binary itself runs on the host.
dev/enter cat "$bin" >"$work/gazelle_bin"
chmod +x "$work/gazelle_bin"

repo=$work/repo
rm -rf "$repo"
mkdir -p "$repo/projects"
touch "$repo/MODULE.bazel"
printf '# gazelle:nixpy_repository_prefix ghcr.io/acme\n# gazelle:nixpy_nixpkgs //:nixpkgs\n' >"$repo/BUILD.bazel"
locks=(uv.lock poetry.lock pdm.lock pylock.toml "")
for ((i = 0; i < n; i++)); do
  d=$(printf '%s/projects/p%03d' "$repo" "$i")
  mkdir -p "$d/src/app_$i/tests"
  lock=${locks[i % ${#locks[@]}]}
  if [[ $lock == poetry.lock ]]; then
    printf '[tool.poetry]\nname = "app-%d"\nversion = "1.0.0"\ndescription = ""\nauthors = []\n\n[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^3"\n\n[tool.poetry.scripts]\nserve = "app_%d:main"\n' "$i" "$i" >"$d/pyproject.toml"
  else
    printf '[project]\nname = "app-%d"\nversion = "1.0.0"\ndependencies = ["flask>=3", "requests"]\n\n[project.scripts]\nserve = "app_%d:main"\n' "$i" "$i" >"$d/pyproject.toml"
    if ((i % 3 == 0)); then printf 'admin = "app_%d:admin"\n' "$i" >>"$d/pyproject.toml"; fi
  fi
  if [[ -n $lock ]]; then echo "# $lock" >"$d/$lock"; fi
  echo 'def main(): pass' >"$d/src/app_$i/__init__.py"
  echo 'def test_main(): pass' >"$d/src/app_$i/tests/test_main.py"
done

# run N: one gazelle update over the repository; prints "wall_ms changed_build_files".
run() {
  local before after start end
  before=$(cd "$repo" && find . -name BUILD.bazel -exec md5sum {} + | sort)
  start=$(date +%s%N)
  "$work/gazelle_bin" update -repo_root="$repo" -go_prefix=example.com/bench "$repo"
  end=$(date +%s%N)
  after=$(cd "$repo" && find . -name BUILD.bazel -exec md5sum {} + | sort)
  echo "$(((end - start) / 1000000)) $(comm -13 <(echo "$before") <(echo "$after") | grep -c . || true)"
}

read -r ms1 changed1 < <(run)
read -r ms2 changed2 < <(run)
images=$(grep -l '^py_nix_image(' -r "$repo/projects" --include=BUILD.bazel | wc -l)
echo "projects: $n, BUILD files with py_nix_image: $images"
echo "first run:  ${ms1} ms, ${changed1} BUILD files written"
echo "second run: ${ms2} ms, ${changed2} BUILD files changed"
if ((images != n)); then
  echo "FAIL: $images of $n projects got a py_nix_image" >&2
  exit 1
fi
if ((changed2 != 0)); then
  echo "FAIL: the second run changed $changed2 BUILD files" >&2
  exit 1
fi
