"""nixpkgs' pythonCatchConflictsPhase: a package's closure, followed through nix-support/
propagated-build-inputs from $out, must hold each distribution in one store path only; two
versions (or two builds) of one distribution would shadow each other on sys.path.

    catch-conflicts.py OUT SITE_PACKAGES   (SITE_PACKAGES relative to each store path)
"""
import importlib.metadata
import os
import re
import sys

out, site_packages = sys.argv[1], sys.argv[2]
found = {}  # normalised distribution name -> {store path: (version, chain)}
seen = set()
pending = [(out, [out])]
while pending:
    path, chain = pending.pop()
    if path in seen:
        continue
    seen.add(path)
    site = os.path.join(path, site_packages)
    if os.path.isdir(site):
        for entry in sorted(os.listdir(site)):
            if entry.endswith(".dist-info"):
                dist = importlib.metadata.PathDistribution.at(os.path.join(site, entry))
                name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
                found.setdefault(name, {}).setdefault(path, (dist.version, chain))
    propagated = os.path.join(path, "nix-support", "propagated-build-inputs")
    if os.path.isfile(propagated):
        for dep in open(propagated).read().split():
            pending.append((dep, chain + [dep]))

conflicts = {name: paths for name, paths in found.items() if len(paths) > 1}
for name, paths in sorted(conflicts.items()):
    print(f"Found duplicated packages in closure for dependency '{name}':")
    for path, (version, chain) in sorted(paths.items()):
        print(f"  {name} {version} ({path})")
        print("    dependency chain:\n      " + "\n      ...depending on: ".join(chain))
if conflicts:
    print("\nPackage duplicates found in closure, see above: two packages depend on different builds or versions of one distribution.")
    sys.exit(1)
