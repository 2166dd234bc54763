"""The rules of one rename for packaging metadata, asked one value at a time.

Every file that declares entry points or requirements (``pyproject.toml``,
``setup.cfg``, ``entry_points.txt``, ``METADATA``, ``setup.py``) asks the same
questions of each value it holds; :class:`Carriers` answers them from the map and the
options, so the rules are the same whatever the file.
"""

from __future__ import annotations

import typing as t

from .distribution import normalize
from .entrypoints import GroupDecision, decide_group, rename_definition, rename_reference
from .requirements import RequirementEdit, rewrite_requirement
from .result import Finding

if t.TYPE_CHECKING:
    from .names import Renames
    from .options import RewriteOptions

COMMAND_GROUPS = frozenset({"console_scripts", "gui_scripts"})
"""Entry-point groups whose names are console commands (not labels)."""

Rewritten = tuple[str, list[Finding], set[int]]
"""New text, findings, settled line numbers (of the new text)."""


class Carriers:
    """The rules of one rename, asked value by value (the same in every kind of file)."""

    def __init__(self, renames: Renames, options: RewriteOptions) -> None:
        self.renames = renames
        self.options = options
        self.rules = {rule.distribution: rule for rule in options.requirements}
        watched = {
            normalize(root): renames.rename(root).partition(".")[0]
            for root in renames.roots
            if renames.rename(root) != root
        }
        for old, new in options.distribution_names:
            watched.setdefault(old, new)
        self.watched = watched

    def requirement(self, text: str) -> RequirementEdit:
        return rewrite_requirement(text, self.rules, self.watched)

    def group(self, group: str) -> GroupDecision | None:
        return decide_group(
            group, self.renames, self.options.entry_point_groups, self.options.entry_points
        )

    def reference(self, value: str) -> str | None:
        return rename_reference(value, self.renames)

    def definition(self, text: str) -> str | None:
        return rename_definition(text, self.renames)

    def mentions(self, text: str) -> bool:
        """Whether ``text`` names an old package or distribution (case-insensitively)."""
        return self.renames.mentions(text) or self.renames.mentions(text.lower())


def mentions_distribution(code: str | bytes, renames: Renames, options: RewriteOptions) -> bool:
    """Whether ``code`` may name a renamed distribution (``Flask>=3``, ``attrs``): case-insensitively."""
    lowered = code.lower()
    if renames.mentions(lowered):
        return True
    names = [old for old, _ in options.distribution_names]
    names += [rule.distribution for rule in options.requirements]
    if isinstance(lowered, bytes):
        lowered = lowered.decode("latin-1")
    folded = lowered.replace("-", "_").replace(".", "_")
    return any(name in folded for name in names)


def split_ending(line: str) -> tuple[str, str]:
    """A line without its line ending, and the ending (``\\n``, ``\\r\\n`` or nothing)."""
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


__all__ = ["COMMAND_GROUPS", "Carriers", "Rewritten", "mentions_distribution", "split_ending"]
