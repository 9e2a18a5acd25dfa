"""Give the Python scripts in OUT/bin their dependencies, like nixpkgs' wrapPythonPrograms.

usage: wrap-python-programs.py OUT SITE_DIR...

nixpkgs wraps each program and injects site.addsitedir() calls for the package's Python path into the
script; this does the injection alone (no shell wrapper), which needs nothing but the interpreter.
"""
import os
import sys

out, site_dirs = sys.argv[1], sys.argv[2:]
bindir = os.path.join(out, "bin")
inject = (
    "import sys;import site;import functools;sys.argv[0] = {argv0!r};"
    "functools.reduce(lambda k, p: site.addsitedir(p, k), {dirs!r}, site._init_pathinfo())\n"
)
for name in sorted(os.listdir(bindir)) if os.path.isdir(bindir) else []:
    path = os.path.join(bindir, name)
    if os.path.islink(path) or not os.path.isfile(path):
        continue
    with open(path, "rb") as f:
        first = f.readline()
        rest = f.read()
    if not (first.startswith(b"#!/nix/store/") and b"python" in first):
        continue
    head = inject.format(argv0=name, dirs=site_dirs).encode()
    # Keep a coding line or `from __future__` first, where Python needs it.
    lines = rest.split(b"\n")
    keep = 0
    while keep < len(lines) and (lines[keep].startswith(b"# -*-") or lines[keep].startswith(b"from __future__")):
        keep += 1
    body = b"\n".join(lines[:keep] + [head.rstrip(b"\n")] + lines[keep:])
    with open(path, "wb") as f:
        f.write(first + body)
    print(f"wrapped {path}")
