"""``graft diff``: your changes to a fork as a patch, for review or for upstream."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import click

from . import render
from .options import format_option, is_quiet, search_path_option


@click.command("diff")
@click.argument("name", required=False)
@click.option(
    "--upstream",
    is_flag=True,
    help="Rename the patch back to upstream's names and layout, to send upstream.",
)
@click.option(
    "--upstream-dir",
    metavar="DIR",
    help="With --upstream: the package directory in the upstream project "
    "(default: found from a local source, else the package name).",
)
@click.option(
    "--committed",
    is_flag=True,
    help="Committed changes only (default: the work tree's tracked files).",
)
@click.option("--stat", is_flag=True, help="Only list the changed files and line counts.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the patch to FILE instead of standard output.",
)
@format_option("Output format (json: files, counts and the patch).")
@search_path_option
@click.pass_context
def diff_command(
    ctx: click.Context,
    name: str | None,
    upstream: bool,
    upstream_dir: str | None,
    committed: bool,
    stat: bool,
    output: str | None,
    fmt: str,
    search_path: tuple[str, ...],
) -> None:
    """Print your changes to fork NAME (the only one, by default) as a patch against its
    pristine upstream snapshot, the merge base of `graft sync`.

    The patch applies with `git apply` at the root of this repository. With --upstream
    the fork's names are renamed back (NEW to OLD) on both sides and the paths moved to
    the upstream package directory, so it applies with `git apply` or `patch -p1` to the
    upstream project's own source. New files count once tracked (`git add -N` is enough).

    Exit codes: 0 done (also when there is nothing to show), 1 error, 2 usage error.
    """
    from .. import changes, vcs
    from ..workspace import load_manifest

    if upstream_dir is not None and not upstream:
        raise click.UsageError("--upstream-dir only makes sense with --upstream.")
    cwd = Path.cwd().resolve()
    repo = vcs.Repo(cwd)
    _, recorded = load_manifest(repo, cwd)
    entry = recorded.select(name)
    base = changes.current_base(repo, entry, search_path=list(search_path) or None)
    local = changes.local_changes(repo, entry, base, committed=committed)
    stats: t.Sequence[vcs.FileStat] = local.files
    directory = None
    if upstream:
        directory = (
            upstream_dir if upstream_dir is not None else changes.upstream_dir(entry, repo.root)
        )
        patch = (
            changes.upstream_patch(repo, entry, local, directory, committed=committed)
            if local.files
            else ""
        )
        stats = changes.upstream_stats(entry, local, directory)
    else:
        patch = changes.fork_patch(repo, entry, base, committed=committed) if local.files else ""
    quiet = is_quiet(ctx)
    if base.rebuilt and not quiet:
        click.echo(
            "note: the snapshot commit was missing; rebuilt it from the recorded revision.",
            err=True,
        )
    if base.merging and not quiet:
        click.echo(
            f"note: a sync is stopped on conflicts; the base is the snapshot of "
            f"{base.merging} it is merging.",
            err=True,
        )
    if output is not None:
        Path(output).write_bytes(patch.encode("utf-8", "surrogateescape"))
        if not quiet:
            click.echo(f"Wrote the patch of {len(stats)} file(s) to {output}.", err=True)
    if fmt == "json":
        data = {
            "name": entry.name,
            "base": base.treeish,
            "rebuilt": base.rebuilt,
            "merging": base.merging,
            "upstream": upstream,
            "directory": directory,
            "files": [changes.file_dict(s) for s in stats],
            "lines_added": local.added,
            "lines_removed": local.removed,
            "patch": None if stat else patch,
        }
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    elif stat:
        click.echo(render.diff_stat_text(stats), nl=False)
    elif output is None:
        click.echo(patch, nl=False)
    if not stats and not quiet:
        click.echo(f"No changes in {entry.name} against its snapshot.", err=True)


__all__ = ["diff_command"]
