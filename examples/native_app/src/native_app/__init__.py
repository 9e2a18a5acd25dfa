"""An HTTP service whose answer comes from two binary wheels' extension modules.

GET / switches into a greenlet (greenlet's C++ extension, linking libstdc++) and reverse-complements a DNA
sequence with mappy (minimap2's C extension, linking zlib).
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import greenlet
import mappy


def answer():
    # The greenlet hands a value back through a switch: greenlet's machinery, not just its import.
    child = greenlet.greenlet(lambda seq: greenlet.getcurrent().parent.switch(seq.upper()))
    seq = child.switch("gattaca")
    return {
        "message": "hello from examples/native_app",
        "greenlet": greenlet.__version__,
        "revcomp": mappy.revcomp(seq),
        "python": sys.version.split()[0],
    }


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(answer()).encode()
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    # 0.0.0.0: the container's port is published from outside its network namespace.
    HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
