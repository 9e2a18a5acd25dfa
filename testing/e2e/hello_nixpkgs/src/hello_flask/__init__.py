"""A Flask service that answers with a greeting and the interpreter it runs on."""

import os
import sys

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return {"message": "hello from rules_nixpy", "python": sys.version.split()[0]}


def main():
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
