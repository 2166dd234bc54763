"""The ``graft`` command line, the shell over the library: parses, calls a verb, renders, exits.

This package is the only part of graft that imports click or prints. Each subcommand
is a click command in its own module here (:mod:`graft.cli.fork`, ...), loaded lazily
so that ``graft --help`` and ``graft rewrite`` do not pay for importing git; they
format results with :mod:`graft.cli.render` and draw the rewrite counter with
:mod:`graft.cli.progress`. Every :class:`~graft.errors.ToolError` is turned into one
``Error: ...`` line on stderr and its exit code, here and nowhere else.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import typing as t
from pathlib import Path

import click

from .. import __version__, interrupts
from ..errors import ToolError
from .options import color_choice, with_output_options

#: subcommand name -> "module:attribute" under graft.cli
COMMANDS: dict[str, str] = {
    "fork": "fork:fork_command",
    "rewrite": "rewrite:rewrite_command",
    "sync": "sync:sync_command",
    "status": "status:status_command",
    "diff": "diff:diff_command",
    "check": "check:check_command",
    "patch": "patch:patch_command",
    "demo": "demo:demo_command",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used, and whose errors are uniform."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def _available(self) -> list[str]:
        names = []
        for name, target in COMMANDS.items():
            module = target.partition(":")[0]
            if importlib.util.find_spec(f"{__package__}.{module}") is not None:
                names.append(name)
        return names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return with_output_options(command)
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(f"{__package__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{module_name}":
                return None
            raise
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return with_output_options(command)

    def invoke(self, ctx: click.Context) -> t.Any:
        interrupts.reset()
        try:
            return super().invoke(ctx)
        except ToolError as exc:
            click.secho(f"Error: {exc.format_message()}", err=True, fg="red")
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            done = interrupts.completed()
            if done is not None:
                # Past the point of no return: the change is in place, only the report was cut.
                click.secho(f"Interrupted while reporting; {done} was completed.", err=True)
                ctx.exit(interrupts.completed_exit_code())
            click.secho("Error: interrupted; nothing was changed.", err=True, fg="red")
            ctx.exit(130)


REPOSITORY_COMMANDS = frozenset({"fork", "sync", "status", "diff", "check", "patch"})
"""Commands that work on the repository: each first finishes what a killed graft left."""


def recover_first(ctx: click.Context) -> None:
    """Restore or complete an operation a killed graft left in this repository, saying so.

    Runs before the command itself, for every command that works on a repository. A
    quick look for the record comes first, so the common case costs one ``stat``.
    """
    if ctx.invoked_subcommand not in REPOSITORY_COMMANDS:
        return
    from .. import journal

    if not journal.has_unfinished(Path.cwd()):
        return
    try:
        recovery = journal.recover_at(Path.cwd())
    except ToolError as exc:
        click.secho(
            f"Error: cannot finish an interrupted graft command: {exc.format_message()}",
            err=True,
            fg="red",
        )
        ctx.exit(exc.exit_code)
    if recovery is not None:
        click.secho(f"graft: {recovery.describe()}", err=True, fg="yellow")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="graft")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and requested data.")
@click.option("-v", "--verbose", count=True, help="Print more detail (repeat for more).")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output even in a pipe, or never (default: on a terminal only, "
    "unless NO_COLOR or FORCE_COLOR is set).",
)
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: int, color: bool | None) -> None:
    """Fork a package under a new import name, patch extensions to it, and sync upstream.

    Exit codes: 0 done (or nothing to do), 1 error, 2 usage error,
    3 a sync stopped on conflicts, 4 a fork is behind its upstream (check).
    """
    # Subcommand contexts are made after this runs and inherit the setting from here.
    ctx.color = color_choice(color, os.environ)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    ctx.obj["verbose"] = 0 if quiet else verbose
    recover_first(ctx)
