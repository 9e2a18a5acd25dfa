# python's setup hook (nixpkgs: pkgs/development/interpreters/python/setup-hook.sh): every input's
# site-packages on PYTHONPATH, and deterministic interpreter settings for builds.
addPythonPath() {
  addToSearchPathWithCustomDelimiter : PYTHONPATH "$1/@sitePackages@"
}
if [ -z "${dontAddPythonPath:-}" ]; then
  addEnvHooks "${hostOffset:-0}" addPythonPath
fi
export PYTHONHASHSEED=0
export PYTHONNOUSERSITE=1
export PYTHONDONTWRITEBYTECODE=1
