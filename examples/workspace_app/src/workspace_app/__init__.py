"""A Flask service that answers GET / with a greeting and the Python version it runs on."""

import os
import sys

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"message": "hello from examples/workspace_app", "python": sys.version.split()[0]}


def main():
    # 0.0.0.0: the container's port is published from outside its network namespace.
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
