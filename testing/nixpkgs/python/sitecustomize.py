# nixpkgs' sitecustomize: NIX_PYTHONPATH adds site directories (with .pth processing) to a running
# interpreter, and is removed from the environment so child processes do not inherit it.
import os
import site
import sys

paths = os.environ.pop("NIX_PYTHONPATH", None)
if paths:
    for p in paths.split(":"):
        site.addsitedir(p)
executable = os.environ.pop("NIX_PYTHONEXECUTABLE", None)
if executable:
    sys.executable = executable
