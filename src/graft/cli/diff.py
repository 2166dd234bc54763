"""``graft diff``: your changes to a fork as a patch, for review or for upstream."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import click

from . import render
from .options import format_option, is_quiet, search_path_option

if t.TYPE_CHECKING:
    from ..changes import PackageDiff


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
    help="With --upstream: the package directory in the upstream project, or the module "
    "of a single-module project, e.g. src/bottle.py (default: found from the source, "
    "else the package name).",
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
    """Print your changes to fork NAME (every recorded package, by default) as a patch
    against its pristine upstream snapshot, the merge base of `graft sync`.

    The patch applies with `git apply` at the root of this repository. With --upstream
    the fork's names are renamed back (NEW to OLD) on both sides and the paths moved to
    the upstream package directory, so it applies with `git apply` or `patch -p1` to the
    upstream project's own source. New files count once tracked (`git add -N` is enough).

    With several packages recorded and no NAME, the patches follow one another: without
    --upstream they form one patch for this repository; with --upstream each goes to a
    different upstream project, so each starts with a `# NAME:` line saying which (name
    one package to get a patch to apply as is). JSON then holds {"packages": [...]}.

    Exit codes: 0 done (also when there is nothing to show), 1 error, 2 usage error.
    """
    from .. import changes, vcs
    from ..workspace import load_entries

    if upstream_dir is not None and not upstream:
        raise click.UsageError("--upstream-dir only makes sense with --upstream.")
    cwd = Path.cwd().resolve()
    repo = vcs.Repo(cwd)
    entries = load_entries(repo, cwd, name)
    if upstream_dir is not None and len(entries) > 1:
        raise click.UsageError(
            f"--upstream-dir needs one package; name one of {', '.join(e.name for e in entries)}."
        )
    diffs = [
        changes.package_diff(
            repo,
            entry,
            upstream=upstream,
            directory=upstream_dir,
            committed=committed,
            search_path=list(search_path) or None,
        )
        for entry in entries
    ]
    several = len(diffs) > 1
    quiet = is_quiet(ctx)
    if not quiet:
        for each in diffs:
            _notes(each, several)
    patch = "".join(_patch_text(each, several and upstream) for each in diffs)
    files = sum(len(each.stats) for each in diffs)
    if output is not None:
        Path(output).write_bytes(patch.encode("utf-8", "surrogateescape"))
        if not quiet:
            click.echo(f"Wrote the patch of {files} file(s) to {output}.", err=True)
    if fmt == "json":
        data: dict[str, t.Any]
        if several:
            data = {"packages": [each.to_dict(with_patch=not stat) for each in diffs]}
        else:
            data = diffs[0].to_dict(with_patch=not stat)
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    elif stat:
        for each in diffs:
            if several and each.stats:
                click.echo(f"{each.entry.name}:")
            click.echo(render.diff_stat_text(each.stats), nl=False)
    elif output is None:
        click.echo(patch, nl=False)
    if not quiet:
        for each in diffs:
            if not each.stats:
                click.echo(f"No changes in {each.entry.name} against its snapshot.", err=True)


def _notes(each: PackageDiff, several: bool) -> None:
    base = each.local.base
    which = f" of {each.entry.name}" if several else ""
    if base.rebuilt:
        click.echo(
            f"note: the snapshot commit{which} was missing; rebuilt it from the recorded revision.",
            err=True,
        )
    if base.merging:
        click.echo(
            f"note: a sync{which} is stopped on conflicts; the base is the snapshot of "
            f"{base.merging} it is merging.",
            err=True,
        )


def _patch_text(each: PackageDiff, labelled: bool) -> str:
    """The patch, with a first line naming the package when patches for several upstream
    projects follow one another (`git apply` skips lines before a patch's first header)."""
    if not labelled or not each.patch:
        return each.patch
    entry = each.entry
    return (
        f"# {entry.name}: changes to {each.label}, "
        f"to apply in its source (graft diff --upstream {entry.name})\n" + each.patch
    )


__all__ = ["diff_command"]
