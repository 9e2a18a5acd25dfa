"""nixpkgs' pythonMetadataCheckPhase: the installed distribution's METADATA version must equal
the derivation's version (compared as PEP 440 versions).

    metadata-check.py BOOTSTRAP_SITE_PACKAGES PNAME VERSION   (with $out's site-packages first on PYTHONPATH)
"""
import importlib.metadata
import sys

sys.path.append(sys.argv[1])  # packaging, from the pypa bootstrap, after the package's own path
from packaging.version import InvalidVersion, Version  # noqa: E402

pname, derivation_version = sys.argv[2], sys.argv[3]
try:
    metadata_version = importlib.metadata.version(pname)
except importlib.metadata.PackageNotFoundError:
    sys.exit(f"{pname}: no installed distribution of that name carries METADATA (pythonMetadataCheckPhase)")
try:
    same = Version(derivation_version) == Version(metadata_version)
except InvalidVersion as e:
    sys.exit(f"{pname}: {e} (pythonMetadataCheckPhase)")
if not same:
    print(f"The '{pname}' derivation has version '{derivation_version}' but .dist-info/METADATA specifies version '{metadata_version}'.")
    print("The version given to the derivation must be the one the build backend writes into the metadata.")
    sys.exit(1)
