#!/usr/bin/env bash
# image.sh refuses a Nix build result whose store path is gone, with a message that says what to do.
set -euo pipefail
image_sh=$1
work=${TEST_TMPDIR:-$(mktemp -d)}
echo /nix/store/00000000000000000000000000000000-gone-1.0 > "$work/out_path"
if "$image_sh" /bin/false "$work/out_path" "$work/digest" --closure x --out y 2> "$work/err"; then
  echo "image.sh accepted a store path that does not exist" >&2
  exit 1
fi
for want in "00000000000000000000000000000000-gone-1.0, the Nix build's result, is not in this machine's Nix store" \
  "--modify_execution_info=NixBuild=+no-cache"; do
  grep -qF -- "$want" "$work/err" || { echo "image.sh said:"; cat "$work/err"; echo "want: $want"; exit 1; } >&2
done
