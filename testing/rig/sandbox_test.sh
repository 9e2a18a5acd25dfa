#!/usr/bin/env bash
# Asserts what every other Bazel test relies on: tests run under Bazel's linux-sandbox (not the weaker
# processwrapper-sandbox that Bazel falls back to silently), and a Nix daemon with its own build sandbox
# answers from inside it.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$PWD" in
  */sandbox/linux-sandbox/*) echo "ok: running under linux-sandbox ($PWD)" ;;
  *) fail "not under linux-sandbox: working directory is $PWD" ;;
esac

command -v nix >/dev/null || fail "nix is not on PATH ($PATH)"
store=$(NIX_REMOTE=daemon nix store info 2>&1) || fail "the nix-daemon does not answer: $store"
echo "ok: $(echo "$store" | tr '\n' ' ')"
[ "$(nix config show sandbox)" = true ] || fail "Nix builds are not sandboxed (nix config show sandbox: $(nix config show sandbox))"
[ -z "$(nix config show substituters)" ] || fail "Nix has substituters configured: $(nix config show substituters)"
echo "ok: Nix sandbox on, no substituters"
