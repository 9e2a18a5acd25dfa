"""A command-line greeter: prints who it greets and the Python version it runs on."""

import sys

import click


@click.command()
@click.option("--name", default="world", help="Who to greet.")
def main(name):
    click.echo(f"hello {name} from examples/poetry_app on Python {sys.version.split()[0]}")
