"""``graft rewrite``: rename a package's import name in files, in place or as a check."""

from __future__ import annotations

import typing as t
from pathlib import Path

import click

from .. import interrupts
from ..errors import InvalidNameError, RewriteError
from ..import_names import is_stdlib_module, validate_import_name
from ..rewrite import PROFILES, Renames, RewriteOptions, rewrite_tree
from ..rewrite.profiles import SURFACES
from ..surface import recorded_targets, rewrite_facts
from ..workspace import (
    project_manifest,
    target_distributions,
    target_modules,
    vendored_directories,
)
from . import render
from .options import format_option, is_quiet, verbosity
from .progress import progress_line


def _check_target(target: str, force: bool) -> None:
    """Refuse a ``--target`` that cannot be the fork the user means.

    A typo, or a stdlib name, rewrites a whole project to imports that cannot work, and
    ``--check`` in CI then enforces it. The name is checked as ``graft fork`` checks a
    new name, except that the fork need not be installed (it lives in the app's tree);
    where the repository records forks, it must be one of them.
    """
    try:
        validate_import_name(target, force=True, what="--target")
    except InvalidNameError as exc:
        raise click.BadParameter(exc.format_message(), param_hint="--target") from None
    if force:
        return
    if is_stdlib_module(target):
        raise click.BadParameter(
            f"{target!r} is a standard-library module, not a fork (pass --force if you really mean it).",
            param_hint="--target",
        )
    found = project_manifest(Path.cwd())
    if found is None:
        return
    forks = [entry.name for entry in found[1].entries if entry.kind == "fork"]
    if forks and target not in forks:
        raise click.BadParameter(
            f"{target} is not a recorded fork (recorded: {', '.join(forks)}); pass --force to use it anyway.",
            param_hint="--target",
        )


def _renames(maps: t.Sequence[str], profile: str | None, target: str | None = None) -> Renames:
    if not maps and profile is None:
        raise click.UsageError("Give at least one --map OLD=NEW or a --profile.")
    if target is not None and profile is None:
        raise click.UsageError(
            "--target redirects a profile; give --profile too, e.g. --profile flask-vial."
        )
    try:
        extra = Renames.parse(maps) if maps else None
    except InvalidNameError as exc:
        raise click.BadParameter(exc.format_message(), param_hint="--map") from None
    if profile is None:
        assert extra is not None
        return extra
    base = PROFILES[profile]
    if target is not None:
        base = _redirect(base, profile, target)
    return base.merged(extra) if extra is not None else base


def _redirect(base: Renames, profile: str, target: str) -> Renames:
    """The profile aimed at ``target`` (a fork of its target package) instead, in one pass."""
    aimed = sorted({new.partition(".")[0] for _, new in base})
    if len(aimed) != 1:
        raise click.UsageError(
            f"--target needs a profile aimed at one package; {profile} aims at {', '.join(aimed)}."
        )
    try:
        return base.redirect(aimed[0], target)
    except InvalidNameError as exc:
        raise click.BadParameter(exc.format_message(), param_hint="--target") from None


@click.command("rewrite")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="Rename OLD (a module, package or symbol path) to NEW. Repeatable.",
)
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    help="Start from a built-in map, e.g. flask-vial.",
)
@click.option(
    "--target",
    metavar="NAME",
    help="With --profile: aim the profile at NAME, a fork of its target package "
    "(--profile flask-vial --target acme_web maps flask.Flask to acme_web.Vial).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Accept a --target that is a standard-library name or not a fork recorded in pyproject.toml.",
)
@click.option(
    "--check", is_flag=True, help="Change nothing; exit 1 and list the files that would change."
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print unified diffs of the changes; change nothing (like black's --diff).",
)
@click.option("--dry-run", is_flag=True, help="Change nothing; report what would change.")
@format_option()
@click.option(
    "--skip-unparsable", is_flag=True, help="Report files libcst cannot parse instead of failing."
)
@click.option(
    "--include-ignored",
    is_flag=True,
    help="Also rewrite git-ignored files under PATH (virtualenvs, site-packages and build output stay skipped).",
)
@click.option(
    "--docstrings",
    type=click.Choice(["keep", "code", "all"]),
    is_flag=False,
    flag_value="all",
    default="keep",
    show_default=True,
    help="Docstrings: keep them, rename their code (doctests, code blocks, module paths; "
    "what graft fork does), or rename every mention (--docstrings alone).",
)
@click.option(
    "--entry-points",
    type=click.Choice(["report", "rename", "keep"]),
    default="report",
    show_default=True,
    help="What to do with entry-point group names such as 'OLD.commands'.",
)
@click.option(
    "--unknown-strings",
    type=click.Choice(["report", "keep", "rename-known"]),
    default="report",
    show_default=True,
    help="Module-path strings in positions graft cannot classify (settings, registries): "
    "report them, keep them quietly, or rename those that name a module of the rewritten tree.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: all cores for big trees).",
)
@click.pass_context
def rewrite_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    maps: tuple[str, ...],
    profile: str | None,
    target: str | None,
    force: bool,
    check: bool,
    show_diff: bool,
    dry_run: bool,
    fmt: str,
    skip_unparsable: bool,
    include_ignored: bool,
    docstrings: t.Literal["keep", "code", "all"],
    entry_points: t.Literal["report", "rename", "keep"],
    unknown_strings: t.Literal["report", "keep", "rename-known"],
    jobs: int | None,
) -> None:
    """Rename an import name in the Python files under PATH..., byte for byte.

    Imports, the names they bind and module-path strings in known positions
    (import_module, mock.patch, sys.modules, ...) are renamed; other strings that
    look like module paths, entry-point groups and distribution names are reported
    as findings. --diff, --check and --dry-run change nothing.

    Directories are walked without entering virtualenvs, site-packages, build and
    dist output, caches and (in a git work tree) git-ignored paths; -v lists them.
    Files named on the command line are always rewritten. Files are written only
    after every file was rewritten in memory, all or nothing.

    Exit codes: 0 done, 1 a file could not be read or parsed, or --check found changes,
    2 usage error, 130 interrupted (nothing changed).
    """
    quiet = is_quiet(ctx)
    verbose = verbosity(ctx)
    renames = _renames(maps, profile, target)
    if target is not None:
        _check_target(target, force)
    # What the target answers to outside imports: its command, variables and distribution.
    commands, env_prefixes = SURFACES[profile].for_target(target) if profile else ((), ())
    distributions = target_distributions(paths, renames)
    # What requirements on the old distribution become, and which entry-point groups
    # the new package reads, from its code: a recorded fork, the bundled vial, an install.
    requirements, groups = rewrite_facts(renames, recorded_targets(paths, renames), distributions)
    if profile:
        distributions = (*SURFACES[profile].distributions_for(target), *distributions)
    options = RewriteOptions(
        docstrings=docstrings,
        entry_points=entry_points,
        unknown_strings=unknown_strings,
        skip_unparsable=skip_unparsable,
        commands=commands,
        env_prefixes=env_prefixes,
        distribution_names=tuple(dict(distributions).items()),
        requirements=requirements,
        entry_point_groups=groups,
    )
    # --diff shows the change instead of making it, as black's --diff does.
    mode = "check" if check else "dry-run" if dry_run or show_diff else "write"
    progress = progress_line(quiet)
    tree = rewrite_tree(
        list(paths),
        renames,
        write=mode == "write",
        jobs=jobs,
        progress=progress,
        options=options,
        include_ignored=include_ignored,
        environment=True,
        excluded=vendored_directories(paths),
        target_modules=target_modules(paths, renames),
    )
    if mode == "write" and tree.changed:
        # The files are written: an interrupt from here on must not claim "nothing changed".
        count = len(tree.changed)
        interrupts.mark_completed(f"rewriting {count} file{'s' if count != 1 else ''}")

    if fmt == "json":
        click.echo(render.rewrite_json(tree, mode=mode, diffs=show_diff, root=Path.cwd()))
    else:
        if show_diff:
            click.echo(tree.diff(root=Path.cwd()), nl=False)
        if not quiet or mode == "check":
            click.echo(render.rewrite_text(tree, mode=mode, findings=not quiet), nl=False)
        if not quiet:
            click.echo(render.rewrite_summary(tree, mode=mode), err=True)
            if verbose:
                for skipped in tree.skipped:
                    click.echo(f"skipped {skipped.path} ({skipped.reason})", err=True)
                click.echo(
                    f"map: {', '.join(renames.to_strings())} ({renames.fingerprint(options)})",
                    err=True,
                )
    for failed in tree.failed:
        click.secho(f"Error: {failed.error}", err=True, fg="red")
    if tree.failed:
        count = len(tree.failed)
        raise RewriteError(
            f"{count} file{'s' if count != 1 else ''} could not be read or parsed"
            f" and {'were' if count != 1 else 'was'} left untouched.",
            hint="Fix what the lines above name, or pass --skip-unparsable to report such files and go on.",
        )
    if mode == "check" and tree.changed:
        ctx.exit(1)
