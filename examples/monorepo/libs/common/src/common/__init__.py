"""What the monorepo's apps share: one greeting template and the facts about the runtime both report."""

import sys
from importlib import metadata

from jinja2 import Template

_GREETING = Template("hello from {{ app }} (common {{ version }})")

VERSION = "0.1.0"


def greeting(app):
    # The installed distribution's version: the one its build wrote from VERSION.
    return _GREETING.render(app=app, version=metadata.version("common"))


def runtime():
    return {"python": sys.version.split()[0]}
