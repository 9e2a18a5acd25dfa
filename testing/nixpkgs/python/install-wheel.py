"""Install wheels into a Nix output with pypa/installer, like nixpkgs' pypaInstallHook.

usage: install-wheel.py OUT INTERPRETER SITE_PACKAGES WHEEL...

Console scripts go to OUT/bin with INTERPRETER as their shebang; wrap-python-programs.py then gives them the
package's dependencies. Bytecode is compiled at optimization levels 0 and 1, as `python -m installer` does by
default in nixpkgs' hook; stdenv's SOURCE_DATE_EPOCH makes it checked-hash bytecode (PEP 552), the same bytes
on every build, and spares every process that imports the package from compiling it.
"""
import os
import sys

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

out, interpreter, site, wheels = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
if not wheels:
    sys.exit("install-wheel: no wheel to install (did the build produce dist/*.whl?)")
scheme = {
    "purelib": os.path.join(out, site),
    "platlib": os.path.join(out, site),
    "headers": os.path.join(out, "include"),
    "scripts": os.path.join(out, "bin"),
    "data": out,
}
for whl in wheels:
    print(f"installing {whl}")
    with WheelFile.open(whl) as source:
        destination = SchemeDictionaryDestination(scheme, interpreter, "posix", bytecode_optimization_levels=(0, 1))
        install(source, destination, {"INSTALLER": b"nixpkgs\n"})
