"""The README's five-line app."""

from vial import Vial

app = Vial(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"


@app.cli.command("greet")
def greet() -> None:
    import click

    click.echo(f"greetings from {app.name}")
