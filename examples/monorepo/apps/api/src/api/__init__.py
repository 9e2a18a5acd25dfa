"""The monorepo's HTTP API: GET / answers with the shared greeting and the runtime it reports."""

import os

from flask import Flask

import common

app = Flask(__name__)


@app.get("/")
def index():
    return {"message": common.greeting("apps/api"), **common.runtime()}


def main():
    # 0.0.0.0: the container's port is published from outside its network namespace.
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
