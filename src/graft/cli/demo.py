"""``graft demo [DIR]``: fork, patch, serve and sync on a throw-away app, as a story."""

from __future__ import annotations

import typing as t
from pathlib import Path

import click

from .options import is_quiet

STYLES: dict[str, dict[str, t.Any]] = {
    "title": {"bold": True},
    "step": {"fg": "cyan", "bold": True},
    "ok": {"fg": "green"},
    "note": {"dim": True},
}
"""How each kind of line of the demo's story looks on a terminal (click drops it elsewhere)."""


def _say(text: str, style: str) -> None:
    click.secho(text, **STYLES.get(style, {}))


@click.command("demo")
@click.argument("directory", required=False, default="demo-app", type=click.Path(path_type=Path))
@click.pass_context
def demo_command(ctx: click.Context, directory: Path) -> None:
    """Run the whole graft cycle on a demo app created in DIR (default: ./demo-app).

    Creates a git repository with a small app, forks the bundled vial into it as
    acme_web, patches a sample Flask extension to acme_web, serves requests with
    vial and flask unimportable, then merges a simulated new vial release into
    the locally changed fork. Needs only Python and git; DIR must be missing or
    empty. With `graft -q demo`, only errors are printed.
    """
    from ..demo import run_demo

    run_demo(directory, say=None if is_quiet(ctx) else _say)


__all__ = ["demo_command"]
