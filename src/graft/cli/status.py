"""``graft status``: each vendored package against its upstream and its pristine snapshot."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import click

from ..clashes import app_distribution, find_clashes, repository_root
from ..errors import EXIT_BEHIND, UserError
from . import render
from .options import format_option, search_path_option


@click.command("status")
@click.argument("name", required=False)
@format_option("Output format.")
@click.option(
    "--check", is_flag=True, help=f"Exit {EXIT_BEHIND} when a fork is behind its upstream."
)
@click.option(
    "--committed",
    is_flag=True,
    help="Count committed changes only (default: the work tree's tracked files).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Do not look up the newest upstream revision (no source is read).",
)
@search_path_option
@click.pass_context
def status_command(
    ctx: click.Context,
    name: str | None,
    fmt: str,
    check: bool,
    committed: bool,
    offline: bool,
    search_path: tuple[str, ...],
) -> None:
    """Show each fork (or fork NAME): source, recorded and newest upstream revision,
    a sync in progress, and your changes against the pristine snapshot.

    Works in a fresh clone. Exit codes: 0 done; 1 error (with --check: also when a
    source cannot be read); 2 usage error; 4 with --check when a fork is behind its
    upstream.
    """
    from ..status import collect

    if check and offline:
        raise click.UsageError("--check needs the newest upstream revision; drop --offline.")
    statuses = collect(
        name,
        cwd=Path.cwd(),
        search_path=list(search_path) or None,
        committed=committed,
        newest=not offline,
    )
    statuses = _with_clashes(statuses)
    click.echo(render.status_json(statuses) if fmt == "json" else render.status_text(statuses))
    if check and any(s.behind for s in statuses):
        behind = ", ".join(s.name for s in statuses if s.behind)
        click.echo(f"behind its upstream: {behind}", err=True)
        ctx.exit(EXIT_BEHIND)
    unknown = [s.name for s in statuses if s.behind is None]
    if check and unknown:
        raise UserError(
            f"cannot tell whether {', '.join(unknown)} is behind: its source cannot be read.",
            hint="See `newest:` above; fix the source and retry.",
        )


def _with_clashes(statuses: list[t.Any]) -> list[t.Any]:
    """Each fork's status with a note when an installed distribution answers to its name."""
    root = repository_root(Path.cwd())
    forks = [s for s in statuses if s.kind == "fork"]
    if root is None or not forks:
        return statuses
    found: dict[str, list[str]] = {}
    forks_at = [(s.name, root / s.path) for s in forks]
    for clash in find_clashes(forks_at, shown_from=root, own=app_distribution(root)):
        found.setdefault(clash.name, []).append(clash.message)
    return [
        dataclasses.replace(s, notes=(*s.notes, *found[s.name])) if s.name in found else s
        for s in statuses
    ]


__all__ = ["status_command"]
