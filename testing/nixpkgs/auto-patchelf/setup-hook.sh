# autoPatchelfHook for testing/nixpkgs: the interface of nixpkgs' setup hook
# (pkgs/build-support/setup-hooks/auto-patchelf.sh): every input's lib directory is searched, the outputs are
# patched after postFixup unless dontAutoPatchelf is set, and autoPatchelfIgnoreMissingDeps (names or shell
# patterns; `true` means all), runtimeDependencies, appendRunpaths and addAutoPatchelfSearchPath work as there.
declare -a autoPatchelfLibs=()
declare -a extraAutoPatchelfLibs=()

gatherLibraries() {
  if [ -d "$1/lib" ]; then autoPatchelfLibs+=("$1/lib"); fi
}
addEnvHooks "${targetOffset:-0}" gatherLibraries

# addAutoPatchelfSearchPath [--no-recurse] DIR...: more directories to find libraries in.
addAutoPatchelfSearchPath() {
  local find_args=() d
  if [ "${1:-}" = --no-recurse ]; then find_args=(-maxdepth 1); shift; fi
  for d in "$@"; do
    while IFS= read -r d; do extraAutoPatchelfLibs+=("$d"); done < <(find "$d" "${find_args[@]}" -name '*.so*' -printf '%h\n' | sort -u)
  done
}

autoPatchelf() {
  local norecurse=
  while [ $# -gt 0 ]; do
    case "$1" in
      --) shift; break ;;
      --no-recurse) norecurse=1; shift ;;
      --*) echo "autoPatchelf: unknown option $1" >&2; return 1 ;;
      *) break ;;
    esac
  done
  local ignore=() runtime=() append=() d
  # read -a: no glob expansion of patterns such as "*".
  read -r -a ignore <<<"${autoPatchelfIgnoreMissingDeps:-}"
  if [ "${#ignore[@]}" -eq 1 ] && [ "${ignore[0]}" = 1 ]; then ignore=("*"); fi
  read -r -a append <<<"${appendRunpaths:-}"
  for d in ${runtimeDependencies:-}; do runtime+=("$d/lib"); done
  PATH="@patchelf@/bin:$PATH" @python@ @script@ ${norecurse:+--no-recurse} --interpreter @interpreter@ --libc-lib @libcLib@ \
    --ignore-missing "${ignore[@]}" --paths "$@" --libs "${autoPatchelfLibs[@]}" "${extraAutoPatchelfLibs[@]}" \
    --runtime-dependencies "${runtime[@]}" --append-rpaths "${append[@]}"
}

autoPatchelfPostFixup() {
  if [ -z "${dontAutoPatchelf:-}" ]; then
    local o dirs=()
    for o in $outputs; do if [ -e "${!o}" ]; then dirs+=("${!o}"); fi; done
    autoPatchelf -- "${dirs[@]}"
  fi
}
postFixupHooks+=(autoPatchelfPostFixup)
