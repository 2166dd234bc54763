"""``graft patch EXTENSION``: make a Flask extension run on the app's renamed framework."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UserError
from . import render
from .options import format_option, is_quiet, search_path_option


@click.command("patch")
@click.argument("extension")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="A rewrite map (repeatable); default: from the fork recorded in pyproject.toml.",
)
@click.option("--profile", metavar="NAME", help="A built-in rename profile, e.g. flask-vial.")
@click.option(
    "--target",
    "fork",
    metavar="NAME",
    help="The recorded fork to target, when pyproject.toml records several.",
)
@click.option(
    "--into",
    "into",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory that receives the patched package (default: beside the fork).",
)
@click.option("--ref", metavar="REV", help="Git sources: the tag, branch or commit to patch.")
@click.option("--package", metavar="NAME", help="The package to take, when the source has several.")
@search_path_option
@click.option(
    "--wheel",
    "wheel_dir",
    metavar="OUTDIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also build a wheel of the patched extension that requires the target, not Flask.",
)
@click.option(
    "--install", is_flag=True, help="With --wheel: pip install the wheel (no dependencies)."
)
@click.option(
    "--no-deps",
    "no_deps",
    is_flag=True,
    help="Patch only EXTENSION, not the installed dependencies that import the framework too.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be done; change nothing.")
@format_option()
@click.pass_context
def patch_command(
    ctx: click.Context,
    extension: str,
    maps: tuple[str, ...],
    profile: str | None,
    fork: str | None,
    into: Path | None,
    ref: str | None,
    package: str | None,
    search_path: tuple[str, ...],
    wheel_dir: Path | None,
    install: bool,
    no_deps: bool,
    dry_run: bool,
    fmt: str,
) -> None:
    """Patch EXTENSION so that it uses the app's renamed framework instead of Flask.

    EXTENSION is an installed distribution or import name (flask-login,
    flask_login), a directory (project root or package), or a git repository
    path or URL (with --ref). It is copied into the app under its own import
    name, only its references to the framework are rewritten, and it is
    committed and recorded in pyproject.toml (kind "patch") so that `graft sync`
    merges its later releases. Without --map or --profile, the maps come from
    the fork recorded in pyproject.toml (flask=FORK for a fork of Flask, the
    flask-vial profile composed with vial=FORK for a fork of vial), or, with no
    fork recorded, from the flask-vial profile (the bundled vial).

    Every installed distribution in EXTENSION's requirement closure whose code
    imports the framework (webargs under flask-smorest: not an extension, but
    its flaskparser imports flask) is patched with it, one commit and one
    record each, all or nothing; --dry-run lists them, --no-deps leaves them
    out (and names them). Those already recorded in pyproject.toml are kept.

    With --wheel, also builds a wheel of the patched copy under the original
    distribution name with a +TARGET local version, requiring the target
    instead of Flask, so an environment installs it in place of the original
    (one per patched distribution).
    """
    from ..patch import patch

    if install and wheel_dir is None:
        raise click.UsageError("--install needs --wheel OUTDIR.")
    if dry_run and wheel_dir is not None:
        raise UserError(
            "--wheel builds from the committed patch, so it cannot be combined with --dry-run.",
            hint="Drop one of them.",
        )
    report = patch(
        extension,
        dry_run=dry_run,
        wheel_dir=wheel_dir,
        install=install,
        dependencies=not no_deps,
        cwd=Path.cwd(),
        maps=maps,
        profile=profile,
        fork=fork,
        into=into,
        ref=ref,
        package=package,
        search_path=list(search_path) or None,
    )
    quiet = is_quiet(ctx)
    if fmt == "json":
        click.echo(render.patch_json(report))
    elif not quiet or dry_run:
        click.echo(render.patch_text(report))
