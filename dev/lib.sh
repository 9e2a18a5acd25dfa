# Shared by the dev/ scripts: where the rig lives and how its steps report.
# shellcheck shell=bash

# The rig is cached per machine, outside any checkout, so clones and CI runs share it.
NIXPY_RIG=${NIXPY_RIG:-/var/cache/rules_nixpy}
SID=$NIXPY_RIG/sid
GOSDK=${GOSDK:-/usr/local/go}
WORKSPACE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

_t0=$(date +%s)
step() { echo "=== [$(( $(date +%s) - _t0 ))s] $*" >&2; }
die() { echo "dev: $*" >&2; exit 1; }

# need_root exits unless the caller is root: the rig mounts, unshares and installs packages.
need_root() { [ "$(id -u)" = 0 ] || die "run as root (the rig uses mount namespaces and apt-get)"; }
