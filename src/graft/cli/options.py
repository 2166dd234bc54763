"""Options several commands share, and the output settings they read.

``-q``/``-v`` are accepted before the command (``graft -q fork``) and after it
(``graft fork -q``), as git and pip users type them; both spellings update the
same settings in the root context's ``obj``, read through :func:`is_quiet` and
:func:`verbosity`.
"""

from __future__ import annotations

import typing as t

import click


def search_path_option(function: click.decorators.FC) -> click.decorators.FC:
    """``--search-path DIR`` (repeatable): where distribution sources are looked up first."""
    # Imported here: graft.sources loads GitPython, which `graft rewrite` never needs.
    from ..sources import SEARCH_PATH_ENV

    return click.option(
        "--search-path",
        "search_path",
        multiple=True,
        metavar="DIR",
        type=click.Path(file_okay=False),
        help=f"Look distributions up in DIR before sys.path (also ${SEARCH_PATH_ENV}).",
    )(function)


def format_option(
    help: str = "Report format.",
) -> t.Callable[[click.decorators.FC], click.decorators.FC]:
    """``--format text|json`` (default text), passed as ``fmt``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help,
    )


def color_choice(flag: bool | None, environ: t.Mapping[str, str]) -> bool | None:
    """Whether output is coloured: True, False, or None to let click decide (a terminal only).

    ``--color``/``--no-color`` win; then ``NO_COLOR`` (no-color.org) turns colour off and
    ``FORCE_COLOR`` (force-color.org) turns it on even in a pipe, each when set to anything
    but the empty string. ``NO_COLOR`` wins over ``FORCE_COLOR``, as in CPython's own
    colour handling: asking for less is the safer reading of contradictory settings.
    """
    if flag is not None:
        return flag
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return None


def is_quiet(ctx: click.Context) -> bool:
    """Whether ``-q`` was given, before or after the command."""
    return bool((ctx.find_root().obj or {}).get("quiet", False))


def verbosity(ctx: click.Context) -> int:
    """How many ``-v`` were given, before and after the command (0 when quiet)."""
    return int((ctx.find_root().obj or {}).get("verbose", 0))


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``CMD -q`` means what ``graft -q CMD`` means: commands read the shared ``ctx.obj``."""
    if value:
        obj = ctx.find_root().ensure_object(dict)
        obj["quiet"] = True
        obj["verbose"] = 0


def _add_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    """``CMD -v`` adds to ``graft -v CMD``'s count; quiet (either position) still wins."""
    if value:
        obj = ctx.find_root().ensure_object(dict)
        if not obj.get("quiet"):
            obj["verbose"] = int(obj.get("verbose", 0)) + value


def with_output_options(command: click.Command) -> click.Command:
    """Let ``-q/--quiet`` and ``-v/--verbose`` follow the subcommand too.

    click only knows the group's options before the subcommand name, so each loaded
    subcommand gets its own copies that update the same settings. A command defining
    either flag itself keeps its own.
    """
    taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
    if not taken & {"-q", "--quiet"}:
        command.params.append(
            click.Option(
                ["-q", "--quiet"],
                is_flag=True,
                expose_value=False,
                callback=_set_quiet,
                help="Print only errors and requested data (as `graft -q`).",
            )
        )
    if not taken & {"-v", "--verbose"}:
        command.params.append(
            click.Option(
                ["-v", "--verbose"],
                count=True,
                expose_value=False,
                callback=_add_verbose,
                help="Print more detail (as `graft -v`).",
            )
        )
    return command


__all__ = [
    "color_choice",
    "format_option",
    "is_quiet",
    "search_path_option",
    "verbosity",
    "with_output_options",
]
