"""``graft check``: for CI, fail when a vendored package needs attention."""

from __future__ import annotations

from pathlib import Path

import click

from . import render
from .options import format_option, is_quiet, search_path_option, verbosity


@click.command("check")
@click.argument("name", required=False)
@click.option(
    "--app",
    "app",
    metavar="MODULE",
    help="The app to import, found as `flask --app` finds it: MODULE (its app, or "
    "its create_app/make_app factory, called), MODULE:ATTR (called when a "
    'function) or MODULE:FACTORY() (default: [tool.graft] app = "..." in '
    "pyproject.toml).",
)
@click.option(
    "--python",
    metavar="PATH",
    help="The interpreter that imports the forks' modules and the app (default: the one "
    "running graft).",
)
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["behind", "reproduce", "markers", "isolation", "leftovers", "imports"]),
    help="Leave a check out (repeatable).",
)
@format_option("Output format.")
@search_path_option
@click.pass_context
def check_command(
    ctx: click.Context,
    name: str | None,
    app: str | None,
    python: str | None,
    skip: tuple[str, ...],
    fmt: str,
    search_path: tuple[str, ...],
) -> None:
    """Check every recorded package (or NAME) for CI; print each problem as one line.

    \b
    Checks:
      behind     the source offers a newer upstream revision than the recorded one
      reproduce  re-running the rewrite on the recorded revision no longer gives the
                 recorded snapshot (so a lost snapshot could not be rebuilt)
      markers    conflict markers are left in a fork's files
      isolation  importing a module of a fork, with the original packages made
                 unimportable, reaches one (an import, a find_spec, a lookup of its
                 distribution): a leak, at the file and line that asked; modules that
                 need a missing dependency or another platform are noted, not failed
      leftovers  renaming a fork's files again would still change code, or reports code
                 that names an original package (graft check -v lists what the rename
                 reports without failing)
      imports    importing the app loads an original package (flask next to myflask);
                 one line per package, naming the file and line that imported it first

    \b
    Exit codes:
      0  no problem
      1  a problem other than "behind" (or an error)
      2  usage error
      4  the only problems are forks behind their upstream
    """
    from ..checks import run_checks

    report = run_checks(
        name,
        cwd=Path.cwd(),
        app=app,
        python=python,
        skip=set(skip),
        search_path=list(search_path) or None,
    )
    quiet = is_quiet(ctx)
    if fmt == "json":
        click.echo(render.check_json(report))
    elif report.problems:
        click.echo(render.check_text(report))
    if not quiet:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        if report.findings and fmt != "json":
            if verbosity(ctx):
                for finding in report.findings:
                    click.echo(
                        f"note: {finding.path}:{finding.line}: {finding.kind}: {finding.message}",
                        err=True,
                    )
            else:
                count = len(report.findings)
                click.echo(
                    f"note: the rename reports {count} more finding{'s' if count != 1 else ''} "
                    "in the forks that are not leaks; -v lists them",
                    err=True,
                )
        if not report.problems:
            unproven = [m for m in report.modules if m.verdict not in ("imported", "leak")]
            but = (
                f" ({len(unproven)} of {len(report.modules)} modules not imported: see the notes)"
                if unproven
                else ""
            )
            click.echo(f"ok: {', '.join(report.checked)}{but}", err=True)
    if report.exit_code:
        ctx.exit(report.exit_code)


__all__ = ["check_command"]
