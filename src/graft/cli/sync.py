"""``graft sync``: merge a newer upstream release into a fork (and ``--continue``/``--abort``)."""

from __future__ import annotations

import typing as t
from pathlib import Path

import click

from ..errors import ConflictError
from . import render
from .options import format_option, is_quiet, search_path_option, verbosity
from .progress import progress_line

if t.TYPE_CHECKING:
    from ..report import SyncReport


@click.command("sync")
@click.argument("name", required=False)
@click.option(
    "--ref",
    metavar="REV",
    help="Git sources: the tag, branch or commit to move to "
    "(default: the recorded branch, else the newest tag).",
)
@click.option(
    "--source", metavar="SOURCE", help="Move the fork to another source of the same package."
)
@click.option("--step", is_flag=True, help="Merge each release in between, one merge commit each.")
@search_path_option
@click.option("--dry-run", is_flag=True, help="Print what the sync would merge; change nothing.")
@click.option(
    "--continue",
    "continue_",
    is_flag=True,
    help="Finish a sync stopped on conflicts, after you resolved and staged them.",
)
@click.option("--abort", is_flag=True, help="Give up a stopped sync: back to where it started.")
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="Sync every recorded package, forks first (what no NAME does when several are recorded).",
)
@format_option()
@click.pass_context
def sync_command(
    ctx: click.Context,
    name: str | None,
    ref: str | None,
    source: str | None,
    step: bool,
    search_path: tuple[str, ...],
    dry_run: bool,
    continue_: bool,
    abort: bool,
    all_: bool,
    fmt: str,
) -> None:
    """Merge the newer upstream of package NAME into your branch; without NAME, of every
    recorded package (a fork, its patched extensions and their dependencies).

    The new upstream is renamed like the fork and committed as a pristine snapshot; git
    merges it with the previous snapshot as the base, so your changes are kept. On
    conflicts, exit code 3 and git's usual conflict state: resolve, `git add`, then
    `graft sync --continue`, or `graft sync --abort` to go back.

    Several packages are synced one after the other, forks first, then the packages
    patched to them, by name otherwise: one merge commit per release. The run stops at the
    first conflict; `graft sync --continue` concludes it and syncs the packages left.
    """
    from .. import sync as syncing

    quiet = is_quiet(ctx)
    progress = progress_line(quiet)
    if continue_ and abort:
        raise click.UsageError("--continue and --abort exclude each other.")
    if (continue_ or abort) and (name or ref or source or step or dry_run or search_path or all_):
        raise click.UsageError("--continue and --abort take no other option.")
    if name and all_:
        raise click.UsageError("NAME and --all exclude each other.")
    reports: tuple[SyncReport, ...]
    several = False
    if abort:
        reports = (syncing.abort_sync(cwd=Path.cwd()),)
    elif continue_:
        reports = syncing.continue_run(cwd=Path.cwd(), progress=progress)
        several = len(reports) > 1
    else:
        order = (name,) if name else syncing.recorded_order(cwd=Path.cwd())
        several = all_ or len(order) > 1
        if several and (ref or source):
            option = "--ref" if ref else "--source"
            raise click.UsageError(
                f"{option} moves one package; name it (recorded: {', '.join(order)})."
            )
        if several:
            reports = syncing.sync_all(
                order,
                dry_run=dry_run,
                cwd=Path.cwd(),
                step=step,
                search_path=list(search_path) or None,
                progress=progress,
            )
        else:
            reports = (
                syncing.sync(
                    name,
                    dry_run=dry_run,
                    cwd=Path.cwd(),
                    ref=ref,
                    source=source,
                    step=step,
                    search_path=list(search_path) or None,
                    progress=progress,
                ),
            )
    report = reports[-1]
    if fmt == "json":
        click.echo(render.sync_json(reports) if several else render.report_json(report))
    elif not quiet or dry_run or report.status == "conflicts":
        verbose = verbosity(ctx) > 0
        if several:
            click.echo(render.sync_run_text(reports, verbose=verbose))
        else:
            click.echo(render.report_text(report, verbose=verbose))
    then = (
        f" (it then syncs {', '.join(report.queue)})"
        if report.queue and report.status == "conflicts"
        else ""
    )
    if report.status == "conflicts" and not report.conflicts:
        reused = report.steps[-1].reused
        raise ConflictError(
            f"{len(reused)} conflict(s) resolved from your earlier resolution (git rerere); "
            f"review, then `graft sync --continue`{then}.",
            hint="`git diff --cached` shows the resolved files; `graft sync --abort` goes back.",
        )
    if report.status == "conflicts":
        files = ", ".join(report.conflicts[:5]) + (", ..." if len(report.conflicts) > 5 else "")
        raise ConflictError(
            f"the sync of {report.name} stopped on conflicts in {files}.",
            hint=f"Resolve, `git add`, then `graft sync --continue`{then} (or --abort).",
        )


__all__ = ["sync_command"]
