#!/usr/bin/env bash
# Bazel action: nixpy image of a built closure.
#   image.sh NIXPY OUT_PATH_FILE DIGEST_FILE [nixpy image flags...]
# "{app}" in any flag is replaced by the built store path; with no --entrypoint, the one program in its bin/
# (the project's console script) becomes the entrypoint.
set -euo pipefail
nixpy=$1 top=$(cat "$2") digest=$3
shift 3
args=("${@//\{app\}/$top}")

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
