"""``{graft-help}``: the live ``--help`` of graft's commands, rendered into the CLI page.

A hand-copied option list goes stale the day someone adds an option; rendering what the
installed click commands print keeps docs/cli.md true by construction. ``{graft-help} fork``
renders one command, ``{graft-help} graft`` the group itself, and ``{graft-help}`` with no
argument every command the page has not rendered yet, so a command added later still appears.
"""

from __future__ import annotations

import typing as t

import click
from docutils import nodes
from docutils.parsers.rst import Directive

WIDTH = 88


def help_text(name: str | None) -> str:
    """What ``graft [NAME] --help`` prints, at a fixed width."""
    from graft.cli import main

    settings = {**main.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    parent = click.Context(main, info_name="graft", **settings)
    if name is None:
        return main.get_help(parent)
    command = main.get_command(parent, name)
    if command is None:
        raise ValueError(f"graft has no command {name!r}")
    ctx = click.Context(
        command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH
    )
    return command.get_help(ctx)


def command_names() -> list[str]:
    from graft.cli import main

    return list(main.list_commands(click.Context(main, info_name="graft")))


class GraftHelp(Directive):
    """Render ``graft NAME --help`` (or the group and the remaining commands) as literal text."""

    optional_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        done: set[str] = env.temp_data.setdefault("graft_help_done", set())
        if self.arguments:
            name = self.arguments[0]
            done.add(name)
            return [self._block(help_text(None if name == "graft" else name))]
        out: list[nodes.Node] = []
        for name in command_names():
            if name in done:
                continue
            done.add(name)
            out.append(nodes.rubric(text=f"graft {name}"))
            out.append(self._block(help_text(name)))
        return out

    @staticmethod
    def _block(text: str) -> nodes.literal_block:
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return block


def setup(app: t.Any) -> dict[str, t.Any]:
    app.add_directive("graft-help", GraftHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
