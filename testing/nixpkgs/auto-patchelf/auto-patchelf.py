"""autoPatchelf for testing/nixpkgs, with the behaviour of nixpkgs' auto-patchelf (pkgs/by-name/au/auto-patchelf).

usage: auto-patchelf.py --interpreter LDSO --libc-lib DIR [--no-recurse] --paths P... [--libs DIR...]
                        [--runtime-dependencies DIR...] [--append-rpaths DIR...] [--ignore-missing PATTERN...]

Every dynamically linked ELF file under the paths gets the store ELF interpreter (executables) and an RPATH
naming the directories its DT_NEEDED libraries were found in: first the paths' own shared objects, then the
library directories (and the RPATHs of the libraries in them). A library of libc is left to the dynamic
linker. A library found nowhere is an error unless it matches an --ignore-missing pattern; every missing
library is reported before failing. ELF files are read here (64-bit little-endian, what the set builds for);
patchelf writes them.
"""
import argparse
import fnmatch
import os
import struct
import subprocess
import sys

PT_DYNAMIC, PT_INTERP, PT_LOAD = 2, 3, 1
DT_NEEDED, DT_STRTAB, DT_RPATH, DT_RUNPATH = 1, 5, 15, 29
ET_EXEC, ET_DYN = 2, 3


class Elf:
    """What autoPatchelf needs from an ELF file: type, machine, interpreter, DT_NEEDED and RPATH."""

    def __init__(self, data):
        self.etype, self.machine = struct.unpack_from("<HH", data, 16)
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        loads, dynamic, self.interp = [], None, False
        for i in range(phnum):
            ptype, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
            if ptype == PT_LOAD:
                loads.append((vaddr, off, filesz))
            elif ptype == PT_DYNAMIC:
                dynamic = (off, filesz)
            elif ptype == PT_INTERP:
                self.interp = True
        self.needed, self.rpath, self.dynamic = [], [], dynamic is not None
        if dynamic is None:
            return
        entries = []
        off, size = dynamic
        for pos in range(off, off + size, 16):
            tag, val = struct.unpack_from("<qQ", data, pos)
            if tag == 0:
                break
            entries.append((tag, val))
        strtab = next((v for t, v in entries if t == DT_STRTAB), None)
        if strtab is None:
            return
        base = next((o + strtab - va for va, o, sz in loads if va <= strtab < va + sz), strtab)

        def string(at):
            start = base + at
            return data[start:data.index(b"\0", start)].decode()

        self.needed = [string(v) for t, v in entries if t == DT_NEEDED]
        runpath = [string(v) for t, v in entries if t == DT_RUNPATH] or [string(v) for t, v in entries if t == DT_RPATH]
        self.rpath = [p for r in runpath for p in r.split(":") if p]


def read_elf(path):
    """The Elf of path, or None for anything else (scripts, data, other word sizes or byte orders)."""
    try:
        with open(path, "rb") as f:
            head = f.read(6)
            if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return None
            return Elf(head + f.read())
    except (OSError, struct.error, ValueError, IndexError):
        return None


def files_under(path, recursive):
    if os.path.isfile(path):
        return [path]
    if not recursive:
        return sorted(os.path.join(path, e) for e in os.listdir(path))
    out = []
    for d, dirs, fs in os.walk(path):
        dirs.sort()
        out += [os.path.join(d, f) for f in sorted(fs)]
    return out


def is_shared_object_name(name):
    return name.endswith(".so") or ".so." in name


def main():
    ap = argparse.ArgumentParser(prog="auto-patchelf")
    ap.add_argument("--interpreter", required=True)
    ap.add_argument("--libc-lib", required=True)
    ap.add_argument("--no-recurse", dest="recursive", action="store_false")
    ap.add_argument("--paths", nargs="*", required=True)
    ap.add_argument("--libs", nargs="*", default=[])
    ap.add_argument("--runtime-dependencies", nargs="*", default=[])
    ap.add_argument("--append-rpaths", nargs="*", default=[])
    ap.add_argument("--ignore-missing", nargs="*", default=[])
    a = ap.parse_args()
    if not a.paths:
        sys.exit("No paths to patch, stopping.")

    machine = read_elf(a.interpreter).machine
    # soname -> the first directory holding it: the outputs' own libraries win over the inputs'.
    found = {}

    def add_dir_entries(paths, recursive):
        queue, seen = list(paths), set()
        while queue:
            p = queue.pop(0)
            if p in seen or not os.path.exists(p):
                continue
            seen.add(p)
            for f in files_under(p, recursive):
                name = os.path.basename(f)
                if not is_shared_object_name(name) or not os.path.isfile(f):
                    continue
                elf = read_elf(f)
                if elf is None or elf.machine != machine:
                    continue
                found.setdefault(name, os.path.dirname(os.path.realpath(f)) if os.path.basename(os.path.realpath(f)) == name else os.path.dirname(f))
                queue += [r for r in elf.rpath if "$ORIGIN" not in r]

    add_dir_entries(a.paths, a.recursive)
    add_dir_entries(a.libs, False)

    missing = []
    for path in [f for p in a.paths for f in files_under(p, a.recursive)]:
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        elf = read_elf(path)
        if elf is None or elf.etype not in (ET_EXEC, ET_DYN) or not elf.dynamic:
            continue
        if elf.machine != machine:
            print(f"skipping {path} because its architecture differs from the target")
            continue
        rpath = []
        if elf.interp:
            print("setting interpreter of", path)
            subprocess.run(["patchelf", "--set-interpreter", a.interpreter, path], check=True)
            rpath += a.runtime_dependencies
        print("searching for dependencies of", path)
        for dep in elf.needed:
            if os.path.isabs(dep) and os.path.isfile(dep):
                continue
            if os.path.isfile(os.path.join(a.libc_lib, dep)):
                # libc's own libraries: the dynamic linker finds them.
                continue
            if dep in found:
                rpath.append(found[dep])
                print(f"    {dep} -> found: {found[dep]}")
            else:
                print(f"    {dep} -> not found!")
                missing.append((dep, path))
        rpath = list(dict.fromkeys(rpath + a.append_rpaths))
        if rpath:
            print("setting RPATH to:", ":".join(rpath))
            subprocess.run(["patchelf", "--set-rpath", ":".join(rpath), path], check=True)

    print(f"auto-patchelf: {len(missing)} dependencies could not be satisfied")
    failure = False
    for dep, path in missing:
        if any(fnmatch.fnmatch(dep, pat) for pat in a.ignore_missing):
            print(f"warn: auto-patchelf ignoring missing {dep} wanted by {path}")
        else:
            print(f"error: auto-patchelf could not satisfy dependency {dep} wanted by {path}")
            failure = True
    if failure:
        sys.exit("auto-patchelf failed to find all the required dependencies.\n"
                 "Add the missing dependencies to buildInputs or use autoPatchelfIgnoreMissingDeps.")


main()
