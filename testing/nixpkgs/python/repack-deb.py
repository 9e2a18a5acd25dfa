"""Repack a Debian python3-* package's dist-packages as a wheel with its upstream name and metadata.

usage: repack-deb.py DIST_PACKAGES NAME VERSION OUTDIR --abi cpXY [--top NAME]... [--requires-dist SPEC]... [--platform TAG]...

--top limits the wheel to some top-level entries; --requires-dist adds a requirement Debian dropped;
--abi is the interpreter's CPython tag (cp311) and --platform the platform tags (default manylinux2014's),
both for a wheel with extension modules.

Debian installs distributions as dist-packages trees with .egg-info or .dist-info; a wheel needs a
.dist-info with METADATA, WHEEL and RECORD. The zip is deterministic (sorted entries, fixed date, fixed
modes), so the same .deb always gives the same wheel bytes.
"""
import argparse
import base64
import hashlib
import os
import re
import sys
import zipfile

DATE = (1980, 1, 1, 0, 0, 0)


def normalize(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def requires_from_egg(info):
    """requires.txt sections ([extra], [:marker], [extra:marker]) -> Requires-Dist and Provides-Extra."""
    path = os.path.join(info, "requires.txt")
    reqs, extras = [], []
    if not os.path.exists(path):
        return reqs, extras
    extra, marker = "", ""
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            extra, _, marker = line[1:-1].partition(":")
            if extra and extra not in extras:
                extras.append(extra)
            continue
        conds = [f"({marker})" if marker and extra else marker] if marker else []
        if extra:
            conds.append(f'extra == "{extra}"')
        reqs.append(line + ("; " + " and ".join(conds) if conds else ""))
    return reqs, extras


def metadata(info, version, requires_added):
    """METADATA from METADATA or PKG-INFO; the version is the upstream one (Debian adds e.g. +repack)."""
    src = os.path.join(info, "METADATA")
    if not os.path.exists(src):
        src = os.path.join(info, "PKG-INFO")
    text = open(src, encoding="utf-8").read()
    head, sep, body = text.partition("\n\n")
    lines = [l for l in head.split("\n") if l]
    # Continuation lines (leading whitespace) belong to the header before them.
    headers = []
    for l in lines:
        if l[:1] in (" ", "\t") and headers:
            headers[-1] += "\n" + l
        else:
            headers.append(l)
    reqs, extras = requires_from_egg(info)
    # Debian drops some upstream requirements (it installs them as .deb dependencies): added back here.
    reqs = requires_added + reqs
    keep_reqs = not reqs
    out = []
    for h in headers:
        key = h.split(":", 1)[0].lower()
        if key == "version":
            h = f"Version: {version}"
        if key == "requires-dist" and not keep_reqs:
            continue
        if key == "provides-extra" and extras:
            continue
        out.append(h)
    out += [f"Provides-Extra: {e}" for e in extras]
    out += [f"Requires-Dist: {r}" for r in reqs]
    return ("\n".join(out) + "\n" + (sep + body if body.strip() else "")).encode("utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("name")
    ap.add_argument("version")
    ap.add_argument("outdir")
    ap.add_argument("--top", action="append", default=[])
    ap.add_argument("--requires-dist", action="append", default=[])
    ap.add_argument("--abi", required=True)
    ap.add_argument("--platform", action="append", default=[])
    a = ap.parse_args()

    norm = normalize(a.name)
    infos = [e for e in os.listdir(a.site) if e.endswith((".dist-info", ".egg-info"))]
    mine = [e for e in infos if normalize(re.split(r"-\d", e, 1)[0]) == norm]
    if len(mine) != 1:
        sys.exit(f"repack-deb: expected one .dist-info/.egg-info for {a.name} in {a.site}, found {mine}")
    info = os.path.join(a.site, mine[0])
    tops = a.top or [e for e in os.listdir(a.site) if e not in infos]

    files = {}
    for top in tops:
        p = os.path.join(a.site, top)
        if os.path.isdir(p):
            for d, dirs, fs in os.walk(p):
                dirs[:] = [x for x in dirs if x != "__pycache__"]
                for f in fs:
                    full = os.path.join(d, f)
                    files[os.path.relpath(full, a.site)] = open(full, "rb").read()
        elif os.path.exists(p):
            files[top] = open(p, "rb").read()
        else:
            sys.exit(f"repack-deb: {top} not in {a.site}")

    pure = not any(n.endswith(".so") for n in files)
    if pure:
        tags, file_tag = ["py3-none-any"], "py3-none-any"
    else:
        # Debian's extension modules (bookworm's for 3.11, trixie's for 3.13) need glibc 2.14 at most:
        # within manylinux2014, unless --platform says otherwise (a module needing a newer glibc).
        plats = a.platform or ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]
        tags = [f"{a.abi}-{a.abi}-{p}" for p in plats]
        file_tag = f"{a.abi}-{a.abi}-" + ".".join(plats)
    distinfo = f"{norm}-{a.version}.dist-info"
    files[f"{distinfo}/METADATA"] = metadata(info, a.version, a.requires_dist)
    ep = os.path.join(info, "entry_points.txt")
    if os.path.exists(ep):
        files[f"{distinfo}/entry_points.txt"] = open(ep, "rb").read()
    files[f"{distinfo}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: rules_nixpy testing/nixpkgs repack-deb\n"
        f"Root-Is-Purelib: {'true' if pure else 'false'}\n" + "".join(f"Tag: {t}\n" for t in tags)
    ).encode()
    record = ""
    for n in sorted(files):
        digest = base64.urlsafe_b64encode(hashlib.sha256(files[n]).digest()).rstrip(b"=").decode()
        record += f"{n},sha256={digest},{len(files[n])}\n"
    files[f"{distinfo}/RECORD"] = (record + f"{distinfo}/RECORD,,\n").encode()

    wheel = os.path.join(a.outdir, f"{norm}-{a.version}-{file_tag}.whl")
    with zipfile.ZipFile(wheel, "w") as z:
        # RECORD last, as wheel writers do; everything else sorted.
        for n in sorted(files, key=lambda n: (n.endswith("/RECORD"), n)):
            zi = zipfile.ZipInfo(n, DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = (0o100755 if n.endswith((".so", ".sh")) else 0o100644) << 16
            z.writestr(zi, files[n], compresslevel=9)
    print(wheel)


main()
