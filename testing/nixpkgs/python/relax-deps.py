"""pythonRelaxDeps / pythonRemoveDeps for testing/nixpkgs (nixpkgs: hooks/python-relax-deps-hook.sh).

usage: relax-deps.py WHEEL...   with $pythonRelaxDeps and $pythonRemoveDeps in the environment

Each is "1" (every requirement), empty (none) or distribution names. A relaxed requirement keeps its name,
extras and marker and loses its version specifier; a removed one leaves the wheel's METADATA. Names compare
after PEP 503 normalisation. The wheel is rewritten in place with RECORD updated.
"""
import base64
import hashlib
import os
import re
import sys
import zipfile


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def selector(var):
    value = os.environ.get(var, "").strip()
    if value in ("", "0"):
        return lambda name: False
    if value == "1":
        return lambda name: True
    names = {normalize(n) for n in value.split()}
    return lambda name: normalize(name) in names


REQ = re.compile(r"^Requires-Dist:\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?([^;]*)(;.*)?$")


def rewrite(metadata, relax, remove):
    out = []
    for line in metadata.split("\n"):
        m = REQ.match(line)
        if m:
            name, extras, _spec, marker = m.groups()
            if remove(name):
                print(f"pythonRelaxDeps: removing {line[len('Requires-Dist:'):].strip()}")
                continue
            if relax(name):
                line = f"Requires-Dist: {name}{extras or ''}" + (f" {marker}" if marker else "")
                print(f"pythonRelaxDeps: relaxing to {line[len('Requires-Dist: '):]}")
        out.append(line)
    return "\n".join(out)


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main():
    relax, remove = selector("pythonRelaxDeps"), selector("pythonRemoveDeps")
    for wheel in sys.argv[1:]:
        with zipfile.ZipFile(wheel) as z:
            infos = z.infolist()
            files = {i.filename: z.read(i) for i in infos}
        meta = next(n for n in files if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        record = meta[: -len("METADATA")] + "RECORD"
        files[meta] = rewrite(files[meta].decode("utf-8"), relax, remove).encode("utf-8")
        lines = [record_line(meta, files[meta]) if l.split(",")[0] == meta else l
                 for l in files[record].decode("utf-8").splitlines()]
        files[record] = ("\n".join(lines) + "\n").encode("utf-8")
        tmp = wheel + ".tmp"
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for i in infos:
                z.writestr(i, files[i.filename])
        os.replace(tmp, wheel)


main()
