#!/usr/bin/env bash
# Bazel action: nixpy image of a built closure.
#   image.sh NIXPY OUT_PATH_FILE DIGEST_FILE [--stamp INFO_FILE VERSION_FILE] [nixpy image flags...]
# "{app}" in any flag is replaced by the built store path, and with --stamp each "{KEY}" by the value of KEY in
# Bazel's workspace status files. With no --entrypoint, the one program in the built path's bin/ (the
# project's console script) becomes the entrypoint.
set -euo pipefail
nixpy=$1 top=$(cat "$2") digest=$3
shift 3
if [ ! -e "$top" ]; then
  # The NixBuild action's result names a store path; a result from a cache (Bazel's disk or remote cache, or this
  # output base after a Nix garbage collection) may name one this machine's store no longer holds.
  echo "nix_image: $top, the Nix build's result, is not in this machine's Nix store (garbage-collected, or the" \
    "result came from a cache another machine filled). Build it again: bazel build" \
    "--modify_execution_info=NixBuild=+no-cache ... (see docs/ci.md)" >&2
  exit 1
fi
status=()
if [ "${1:-}" = --stamp ]; then
  status=("$2" "$3")
  shift 3
fi
args=("${@//\{app\}/$top}")
if [ ${#status[@]} -gt 0 ]; then
  while read -r key value; do
    args=("${args[@]//"{$key}"/$value}")
  done < <(cat "${status[@]}")
fi

if ! printf '%s\n' "${args[@]}" | grep -qx -- --entrypoint; then
  progs=()
  for p in "$top"/bin/*; do
    case "${p##*/}" in .*) ;; *) [ -x "$p" ] && progs+=("$p") ;; esac
  done
  case ${#progs[@]} in
    1) args+=(--entrypoint "${progs[0]}") ;;
    0) echo "py_nix_image: $top/bin has no program to run: set entrypoint" >&2; exit 1 ;;
    *) echo "py_nix_image: $top/bin has several programs (${progs[*]##*/}): set entrypoint, e.g. [\"{app}/bin/${progs[0]##*/}\"]" >&2; exit 1 ;;
  esac
fi
"$nixpy" image --top "$top" "${args[@]}" > "$digest"
