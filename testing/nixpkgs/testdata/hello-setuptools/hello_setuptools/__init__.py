import click


@click.command()
@click.option("--name", default="setuptools")
def main(name):
    click.echo(f"hello from {name}")
