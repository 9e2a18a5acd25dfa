"""The monorepo's worker: renders one report in a Flask app context and prints it."""

import json

from flask import Flask, render_template_string

import common


def main():
    app = Flask(__name__)
    with app.app_context():
        report = render_template_string(
            "{{ message }}; python {{ python }}", message=common.greeting("apps/worker"), **common.runtime()
        )
    print(json.dumps({"report": report}))
