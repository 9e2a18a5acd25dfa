"""pythonRuntimeDepsCheckHook for testing/nixpkgs (nixpkgs: hooks/python-runtime-deps-check-hook.py).

usage: runtime-deps-check.py PACKAGING_SITE WHEEL

Every Requires-Dist of the wheel whose marker holds here (no extra) must be an installed distribution on
sys.path, in a version its specifier allows (pre-releases allowed). Each problem is listed; any fails.
`packaging` is imported from PACKAGING_SITE, which is then left off sys.path so that it counts as installed
only if the build's inputs install it.
"""
import importlib.metadata
import re
import sys
import zipfile

sys.path.insert(0, sys.argv[1])
from packaging.requirements import Requirement  # noqa: E402

sys.path.remove(sys.argv[1])
for mod in [m for m in sys.modules if m == "packaging" or m.startswith("packaging.")]:
    del sys.modules[mod]
importlib.invalidate_caches()

wheel = sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
    metadata = z.read(name).decode("utf-8")
head = metadata.split("\n\n", 1)[0]
requires = [l.split(":", 1)[1].strip() for l in head.split("\n") if l.lower().startswith("requires-dist:")]

ok = True
for spec in requires:
    req = Requirement(spec)
    if req.marker and not req.marker.evaluate({"extra": ""}):
        continue
    norm = re.sub(r"[-_.]+", "-", req.name).lower()
    try:
        dist = importlib.metadata.distribution(req.name)
    except importlib.metadata.PackageNotFoundError:
        print(f"  - {norm} not installed", file=sys.stderr)
        ok = False
        continue
    req.specifier.prereleases = True
    if req.specifier and dist.version not in req.specifier:
        print(f"  - {norm}{req.specifier} not satisfied by version {dist.version}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
