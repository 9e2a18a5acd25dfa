#!/usr/bin/env bash
# Bazel action: replace {KEY} in a template by the values of Bazel's workspace status files.
#   stamp.sh TEMPLATE INFO_FILE VERSION_FILE OUT
set -euo pipefail
template=$1 out=$4
text=$(cat "$template")
while read -r key value; do
  text=${text//"{$key}"/$value}
done < <(cat "$2" "$3")
if missing=$(grep -o '{[A-Za-z_][A-Za-z0-9_]*}' <<<"$text"); then
  echo "nixpy_push: no workspace status value for: $(sort -u <<<"$missing" | tr '\n' ' ')(add it with --workspace_status_command)" >&2
  exit 1
fi
printf '%s\n' "$text" > "$out"
