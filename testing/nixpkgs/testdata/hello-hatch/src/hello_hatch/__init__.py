import ssl
import sys

import flask


def main():
    app = flask.Flask(__name__)

    @app.route("/")
    def index():
        return "hello from hello-hatch"

    body = app.test_client().get("/").get_data(as_text=True)
    print(f"{body} (flask {flask.__version__}, {ssl.OPENSSL_VERSION.split()[0]}, python {sys.version.split()[0]})")
