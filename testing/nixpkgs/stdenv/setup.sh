# The generic builder of testing/nixpkgs' stdenv: the part of nixpkgs' pkgs/stdenv/generic/setup.sh that
# Python packages, trivial builders and hand-written derivations rely on (inputs and their setup hooks,
# phases with pre/post hooks, patchShebangs, propagation). Sourced by bash with `set -e`.
set -eu -o pipefail
shopt -s nullglob

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800}
export HOME=/homeless-shelter
export NIX_BUILD_CORES=${NIX_BUILD_CORES:-1}
: "${outputs:=out}"
PATH=$initialPath

# Hooks -------------------------------------------------------------------------------------------
envHooks=()

addEnvHooks() {
  shift
  envHooks+=("$@")
}

# runHook NAME: the function or variable NAME, then every entry of the array NAMEHooks (NAME minus a
# trailing "Hook"), in nixpkgs' order.
runHook() {
  local name=$1
  shift
  if declare -F "$name" >/dev/null; then
    "$name" "$@"
  elif [ -n "${!name:-}" ]; then
    eval "${!name}"
  fi
  local hooks="${name%Hook}Hooks[@]"
  local h
  for h in ${!hooks+"${!hooks}"}; do eval "$h"; done
}

addToSearchPathWithCustomDelimiter() {
  local delimiter=$1 varName=$2 dir=$3
  if [ -d "$dir" ]; then
    export "$varName=${!varName:+${!varName}${delimiter}}${dir}"
  fi
}

addToSearchPath() { addToSearchPathWithCustomDelimiter ":" "$@"; }

# Inputs: depth first through nix-support/propagated-*, each package once -------------------------
declare -A _visited=()
_deps=()

findInputs() {
  local pkg=$1 f p
  [ -z "${_visited[$pkg]:-}" ] || return 0
  _visited[$pkg]=1
  [ -e "$pkg" ] || { echo "setup: input $pkg does not exist" >&2; exit 1; }
  _deps+=("$pkg")
  addToSearchPath PATH "$pkg/bin"
  if [ -f "$pkg/nix-support/setup-hook" ]; then source "$pkg/nix-support/setup-hook"; fi
  for f in propagated-build-inputs propagated-native-build-inputs; do
    if [ -f "$pkg/nix-support/$f" ]; then
      for p in $(cat "$pkg/nix-support/$f"); do findInputs "$p"; done
    fi
  done
}

for _p in ${nativeBuildInputs:-} ${buildInputs:-} ${propagatedNativeBuildInputs:-} ${propagatedBuildInputs:-} \
  ${nativeCheckInputs:-} ${checkInputs:-} ${nativeInstallCheckInputs:-} ${installCheckInputs:-}; do
  findInputs "$_p"
done
for _p in "${_deps[@]}"; do
  for _h in "${envHooks[@]}"; do "$_h" "$_p"; done
done
PATH=$PATH:$initialPath

# Phases -----------------------------------------------------------------------------------------
stripHash() { basename "$1" | sed -E 's/^[a-z0-9]{32}-//'; }

unpackFile() {
  local src=$1
  echo "unpacking source archive $src"
  if [ -d "$src" ]; then
    cp -r "$src" "$(stripHash "$src")"
    chmod -R u+w "$(stripHash "$src")"
    return
  fi
  case "$src" in
    *.tar | *.tar.gz | *.tgz | *.tar.bz2 | *.tbz2 | *.tar.xz | *.txz) tar xf "$src" ;;
    *.zip | *.whl)
      command -v unzip >/dev/null || { echo "unpackFile: $src needs unzip in nativeBuildInputs" >&2; exit 1; }
      unzip -qo "$src" ;;
    *) echo "do not know how to unpack source archive $src" >&2; exit 1 ;;
  esac
}

unpackPhase() {
  runHook preUnpack
  local srcs=${srcs:-${src:-}} before after d
  [ -n "$srcs" ] || { echo "variable \$src or \$srcs should point to the source" >&2; exit 1; }
  before=$(ls -A)
  for s in $srcs; do unpackFile "$s"; done
  if [ -z "${sourceRoot:-}" ]; then
    after=$(ls -A)
    for d in $after; do
      if [ -d "$d" ] && ! grep -qxF "$d" <<<"$before"; then
        [ -z "${sourceRoot:-}" ] || { echo "unpacker produced multiple directories" >&2; exit 1; }
        sourceRoot=$d
      fi
    done
    [ -n "${sourceRoot:-}" ] || { echo "unpacker appears to have produced no directories" >&2; exit 1; }
  fi
  echo "source root is $sourceRoot"
  chmod -R u+w "$sourceRoot"
  runHook postUnpack
}

patchPhase() {
  runHook prePatch
  local p
  for p in ${patches:-}; do
    echo "applying patch $p"
    patch ${patchFlags:--p1} <"$p"
  done
  runHook postPatch
}

configurePhase() {
  runHook preConfigure
  if [ -x "${configureScript:-./configure}" ]; then
    "${configureScript:-./configure}" --prefix="$out" ${configureFlags:-}
  else
    echo "no configure script, doing nothing"
  fi
  runHook postConfigure
}

_hasMakefile() { [ -n "${makefile:-}" ] || [ -e Makefile ] || [ -e makefile ] || [ -e GNUmakefile ]; }

buildPhase() {
  runHook preBuild
  if _hasMakefile; then make ${makeFlags:-} ${buildFlags:-}; else echo "no Makefile or custom buildPhase, doing nothing"; fi
  runHook postBuild
}

checkPhase() {
  runHook preCheck
  if _hasMakefile; then make ${makeFlags:-} ${checkTarget:-check}; else echo "no Makefile or custom checkPhase, doing nothing"; fi
  runHook postCheck
}

installPhase() {
  runHook preInstall
  mkdir -p "$out"
  if _hasMakefile; then make ${makeFlags:-} ${installTargets:-install}; else echo "no Makefile or custom installPhase, doing nothing"; fi
  runHook postInstall
}

# patchShebangs: '#!/usr/bin/env prog' and '#!/any/dir/prog' -> the store path of prog found in PATH.
patchShebangs() {
  local f first interp arg0 args new
  find "$@" -type f -perm -0100 | while read -r f; do
    IFS= read -r first <"$f" || true
    [ "${first:0:2}" = "#!" ] || continue
    read -r interp args <<<"${first:2}"
    case "$interp" in /nix/store/*) continue ;; esac
    if [ "$(basename "$interp")" = env ]; then
      read -r arg0 args <<<"$args"
    else
      arg0=$(basename "$interp")
    fi
    new=$(command -v "$arg0" || true)
    case "$new" in
      /nix/store/*) ;;
      *) echo "patchShebangs: $f: no store path for $interp, kept as is" >&2; continue ;;
    esac
    echo "patching script interpreter paths in $f: $first -> #!$new${args:+ $args}"
    { echo "#!$new${args:+ $args}"; tail -n +2 "$f"; } >"$f.tmp"
    chmod --reference="$f" "$f.tmp" 2>/dev/null || chmod 0755 "$f.tmp"
    mv "$f.tmp" "$f"
  done
}

fixupPhase() {
  runHook preFixup
  local o
  for o in $outputs; do
    [ -e "${!o}" ] || continue
    if [ -z "${dontPatchShebangs:-}" ]; then patchShebangs "${!o}"; fi
  done
  if [ -n "${propagatedBuildInputs:-}" ]; then
    mkdir -p "$out/nix-support"
    echo $propagatedBuildInputs >"$out/nix-support/propagated-build-inputs"
  fi
  if [ -n "${propagatedNativeBuildInputs:-}" ]; then
    mkdir -p "$out/nix-support"
    echo $propagatedNativeBuildInputs >"$out/nix-support/propagated-native-build-inputs"
  fi
  if [ -n "${setupHook:-}" ]; then
    mkdir -p "$out/nix-support"
    substituteAll "$setupHook" "$out/nix-support/setup-hook"
  fi
  runHook postFixup
}

installCheckPhase() {
  runHook preInstallCheck
  if _hasMakefile; then make ${makeFlags:-} ${installCheckTarget:-installcheck}; else echo "no Makefile or custom installCheckPhase, doing nothing"; fi
  runHook postInstallCheck
}

distPhase() {
  runHook preDist
  runHook postDist
}

# substituteAll FILE DEST: replace @var@ by the value of every environment variable named var.
substituteAll() {
  local content v
  content=$(cat "$1")
  for v in $(compgen -e); do
    case "$content" in *"@$v@"*) content=${content//@$v@/${!v}} ;; esac
  done
  printf '%s\n' "$content" >"$2"
}

substituteInPlace() {
  local file=$1 content from to
  shift
  content=$(cat "$file")
  while [ $# -gt 0 ]; do
    case "$1" in
      --replace | --replace-fail | --replace-warn | --replace-quiet)
        from=$2 to=$3
        if [ "$1" = --replace-fail ] && [[ "$content" != *"$from"* ]]; then
          echo "substituteInPlace: pattern '$from' not found in $file" >&2; exit 1
        fi
        content=${content//"$from"/"$to"}
        shift 3 ;;
      *) echo "substituteInPlace: unsupported argument $1" >&2; exit 1 ;;
    esac
  done
  printf '%s\n' "$content" >"$file"
}

runPhase() {
  local curPhase=$1
  case "$curPhase" in
    unpackPhase) [ -z "${dontUnpack:-}" ] || return 0 ;;
    patchPhase) [ -z "${dontPatch:-}" ] || return 0 ;;
    configurePhase) [ -z "${dontConfigure:-}" ] || return 0 ;;
    buildPhase) [ -z "${dontBuild:-}" ] || return 0 ;;
    checkPhase) [ -n "${doCheck:-}" ] || return 0 ;;
    installPhase) [ -z "${dontInstall:-}" ] || return 0 ;;
    fixupPhase) [ -z "${dontFixup:-}" ] || return 0 ;;
    installCheckPhase) [ -n "${doInstallCheck:-}" ] || return 0 ;;
    distPhase) [ -n "${doDist:-}" ] || return 0 ;;
  esac
  echo "Running phase: $curPhase"
  if [ -n "${!curPhase:-}" ]; then eval "${!curPhase}"; else "$curPhase"; fi
  # unpackPhase leaves us in the source root, like nixpkgs.
  if [ "$curPhase" = unpackPhase ] && [ -n "${sourceRoot:-}" ]; then cd "$sourceRoot"; fi
}

genericBuild() {
  if [ -n "${buildCommandPath:-}" ]; then
    source "$buildCommandPath"
    return
  elif [ -n "${buildCommand:-}" ]; then
    eval "$buildCommand"
    return
  fi
  local phase
  for phase in ${phases:-${prePhases:-} unpackPhase patchPhase ${preConfigurePhases:-} configurePhase \
    ${preBuildPhases:-} buildPhase checkPhase ${preInstallPhases:-} installPhase ${preFixupPhases:-} fixupPhase \
    installCheckPhase ${preDistPhases:-} distPhase ${postPhases:-}}; do
    runPhase "$phase"
  done
}

runHook postHook
