# The setup hook of nixpkgs' setuptools-scm: a Nix build's source has no version control data, so the
# version the package reports is the derivation's, unless dontPretendSetuptoolsSCMVersion is set or a
# version is given already; and every file of the source counts as tracked (a MANIFEST.in including
# everything), unless dontIncludeSetuptoolsSCMTrackedFiles is set.
setuptoolsScmPretendVersion() {
  if [ -z "${dontPretendSetuptoolsSCMVersion:-}" ] && [ -z "${SETUPTOOLS_SCM_PRETEND_VERSION:-}" ]; then
    echo "Setting SETUPTOOLS_SCM_PRETEND_VERSION to $version"
    export SETUPTOOLS_SCM_PRETEND_VERSION="$version"
  fi
}

setuptoolsScmIncludeTracked() {
  if [ -z "${dontIncludeSetuptoolsSCMTrackedFiles:-}" ]; then
    local previous=""
    [ -f MANIFEST.in ] && previous=$(cat MANIFEST.in)
    printf 'global-include **\n%s\n' "$previous" >MANIFEST.in
  fi
}

preBuildHooks+=(setuptoolsScmPretendVersion setuptoolsScmIncludeTracked)
