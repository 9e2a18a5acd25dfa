"""Copy the wheels listed in ENTRIES (JSON: name, version, src) into OUT and write OUT/manifest.json."""
import base64
import hashlib
import json
import os
import shutil
import sys

entries_path, out = sys.argv[1], sys.argv[2]
wheels = []
for e in sorted(json.load(open(entries_path)), key=lambda e: e["name"]):
    filename = os.path.basename(e["src"])
    data = open(e["src"], "rb").read()
    shutil.copyfile(e["src"], os.path.join(out, filename))
    sha256 = hashlib.sha256(data).digest()
    b2 = hashlib.blake2b(data, digest_size=32).hexdigest()
    wheels.append({
        "name": e["name"],
        "version": e["version"],
        "filename": filename,
        "url": f"https://files.pythonhosted.org/packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/{filename}",
        "sha256": sha256.hex(),
        "hash": "sha256-" + base64.b64encode(sha256).decode(),
        "size": len(data),
    })
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"wheels": wheels}, f, indent=2, sort_keys=True)
    f.write("\n")
