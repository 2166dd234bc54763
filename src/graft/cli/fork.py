"""``graft fork SOURCE NEW_NAME``: copy a package into the app under a new import name."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import click

from ..clashes import app_distribution, find_clashes, repository_root
from . import render
from .options import format_option, is_quiet, search_path_option
from .progress import progress_line

if t.TYPE_CHECKING:
    from ..report import ForkReport


@click.command("fork")
@click.argument("names", nargs=-1, required=True, metavar="[SOURCE] NEW_NAME")
@click.option("--path", "path", metavar="DIR", help="Where the fork goes (default: ./NEW_NAME).")
@click.option("--ref", metavar="REV", help="Git sources: the tag, branch or commit to fork.")
@click.option("--package", metavar="OLD", help="The package to take, when the source has several.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="An extra rewrite map (repeatable), e.g. a dependency of the package.",
)
@click.option(
    "--force", is_flag=True, help="Allow NEW_NAME to shadow an installed or stdlib module."
)
@click.option(
    "--script",
    metavar="NAME[=MODULE:FUNC]",
    help="Also add a console script for the fork to [project.scripts] (default target: "
    "upstream's own script, renamed; e.g. --script acme-web runs acme_web.cli:main).",
)
@search_path_option
@click.option("--dry-run", is_flag=True, help="Print what would be written; change nothing.")
@format_option()
@click.pass_context
def fork_command(
    ctx: click.Context,
    names: tuple[str, ...],
    path: str | None,
    ref: str | None,
    package: str | None,
    maps: tuple[str, ...],
    force: bool,
    script: str | None,
    search_path: tuple[str, ...],
    dry_run: bool,
    fmt: str,
) -> None:
    """Fork SOURCE (default: the bundled vial) into the app as NEW_NAME.

    SOURCE is an installed distribution or import name, a package directory or
    project root, or a git repository path or URL (with --ref). The fork is
    rewritten so every reference uses NEW_NAME, committed in git together with
    a pristine snapshot that `graft sync` later merges from, and recorded under
    [tool.graft] in pyproject.toml. The fork's CLI runs as `python -m NEW_NAME`,
    or as a command of its own with --script.
    """
    from ..fork import fork

    if len(names) > 2:
        raise click.UsageError("expected [SOURCE] NEW_NAME.")
    source, new_name = (None, names[0]) if len(names) == 1 else names
    quiet = is_quiet(ctx)
    report = fork(
        source,
        new_name,
        dry_run=dry_run,
        cwd=Path.cwd(),
        path=path,
        ref=ref,
        package=package,
        maps=maps,
        force=force,
        script=script,
        search_path=list(search_path) or None,
        progress=progress_line(quiet),
    )
    warnings = _clashes(report)
    if warnings:
        report = dataclasses.replace(report, notes=(*report.notes, *warnings))
    if fmt == "json":
        click.echo(render.report_json(report))
    elif not quiet or dry_run:
        click.echo(render.report_text(report))
    if fmt != "json" and quiet:
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)


def _clashes(report: ForkReport) -> list[str]:
    """A line for each installed distribution that answers to the fork's new name."""
    root = repository_root(Path.cwd()) or Path.cwd()
    found = find_clashes(
        [(report.name, root / report.path)], shown_from=root, own=app_distribution(root)
    )
    return [clash.message for clash in found]
