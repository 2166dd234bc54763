"""``pyproject.toml``: entry points, scripts and requirements, edited with tomlkit.

The values are edited in tomlkit's document, which keeps every comment, quote style
and layout it did not touch. tomlkit cannot rename a table in place, so a group's
``[project.entry-points."flask.commands"]`` header is renamed in the text and the
result parsed again to prove that exactly that group moved; a group written as an
inline table or with dotted keys is reported instead.
"""

from __future__ import annotations

import re
import typing as t

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, String

from .carriers import COMMAND_GROUPS, Carriers, Rewritten
from .result import Finding

if t.TYPE_CHECKING:
    from .entrypoints import GroupDecision

Note = tuple[str, str, str]
"""``(text to find the line by, kind, message)``."""

_HEADER = re.compile(r"^(?P<lead>\s*\[)(?P<inner>[^\[\]]*?)(?P<tail>\]\s*(?:#.*)?)$")
_LAST_QUOTED = re.compile(r"""(?P<q>["'])(?P<key>[^"']*)(?P=q)\s*$""")
_LAST_BARE = re.compile(r"(?P<key>[A-Za-z0-9_-]+)\s*$")


class _Document:
    def __init__(self, text: str, path: str, carriers: Carriers) -> None:
        self.text = text
        self.path = path
        self.carriers = carriers
        self.notes: list[Note] = []
        self.settled: list[str] = []
        self.groups: list[tuple[str, GroupDecision]] = []

    def requirements(self, array: t.Any) -> None:
        if not isinstance(array, Array):
            return
        for index in reversed(range(len(array))):
            item = array[index]
            if not isinstance(item, String):
                continue  # {include-group = "..."} in [dependency-groups]
            edit = self.carriers.requirement(str(item))
            if edit.message:
                shown = item.as_string() if edit.new is None else _quoted(item, edit.new or "")
                self.notes.append((shown, "distribution", edit.message))
            if edit.new is None:
                # Decided either way: reported above, or a requirement on another distribution
                # ("Flask-Login" is not Flask) that only looks like the old name to a line scan.
                self.settled.append(item.as_string())
            elif edit.dropped:
                del array[index]
            else:
                array[index] = String.from_raw(edit.new, type_=item.type)

    def references(self, table: t.Any, *, commands: bool) -> None:
        """``name = "module:attr"`` values: references renamed; labels settled, commands not.

        A console command named after the old package (``flask = "flask.cli:main"``) keeps
        its name and stays in the line report; the name of a plugin (``pytest11``'s
        ``flask = "pytest_flask.plugin"``) is a label and is not reported.
        """
        if not _is_table(table):
            return
        for name in list(table.keys()):
            item = table[name]
            if not isinstance(item, String):
                continue
            new = self.carriers.reference(str(item))
            if new is not None:
                item = String.from_raw(new, type_=item.type)
                table[name] = item
            if not (commands and self.carriers.mentions(name)):
                self.settled.append(item.as_string())

    def entry_points(self, table: t.Any) -> None:
        if not _is_table(table):
            return
        for group in list(table.keys()):
            self.references(table[group], commands=group in COMMAND_GROUPS)
            decision = self.carriers.group(group)
            if decision is not None:
                self.groups.append((group, decision))


def rewrite_pyproject(text: str, path: str, carriers: Carriers) -> Rewritten:
    """The new text of a ``pyproject.toml``, with findings and settled lines."""
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError:
        return text, [], set()  # the line report still lists what names the old package
    work = _Document(text, path, carriers)
    project: t.Any = doc.get("project")
    if _is_table(project):
        work.requirements(project.get("dependencies"))
        optional: t.Any = project.get("optional-dependencies")
        if _is_table(optional):
            for extra in list(optional.keys()):
                work.requirements(optional[extra])
        work.references(project.get("scripts"), commands=True)
        work.references(project.get("gui-scripts"), commands=True)
        work.entry_points(project.get("entry-points"))
    groups: t.Any = doc.get("dependency-groups")
    if _is_table(groups):
        for name in list(groups.keys()):
            work.requirements(groups[name])
    new = doc.as_string()  # byte for byte the input where nothing was edited
    for group, decision in work.groups:
        needle = _group_needle(new, group)
        if decision.message:
            work.notes.append((needle, "entry-point", decision.message))
        if decision.new is None:
            work.settled.append(needle)
            continue
        moved = _rename_group(new, group, decision.new)
        if moved is None:
            work.notes.append(
                (
                    needle,
                    "entry-point",
                    f"entry-point group {group!r} should become {decision.new!r} (the group "
                    'the new package reads), but it is not a [project.entry-points."..."] '
                    "table graft can rename: rename it by hand",
                )
            )
            work.settled.append(needle)
        else:
            new = moved
    return new, _locate(new, path, work.notes), _lines(new, work.settled)


def _is_table(value: t.Any) -> bool:
    return isinstance(value, t.Mapping) or hasattr(value, "keys") and hasattr(value, "get")


def _quoted(item: String, value: str) -> str:
    return String.from_raw(value, type_=item.type).as_string()


def _group_needle(text: str, group: str) -> str:
    for quote in ('"', "'"):
        if f"{quote}{group}{quote}" in text:
            return f"{quote}{group}{quote}"
    return group


def _header_path(inner: str) -> list[str] | None:
    try:
        node: t.Any = tomlkit.parse(f"[{inner}]\n")
    except TOMLKitError:
        return None
    path: list[str] = []
    while _is_table(node) and len(node) == 1:
        key = next(iter(node.keys()))
        path.append(key)
        node = node[key]
    return path


def _rename_group(text: str, group: str, new: str) -> str | None:
    """``text`` with the ``[project.entry-points."GROUP"]`` header renamed, if that moves exactly the group."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        match = _HEADER.match(body)
        if match is None or "entry-points" not in match.group("inner"):
            continue
        inner = match.group("inner")
        if _header_path(inner) != ["project", "entry-points", group]:
            continue
        quoted = _LAST_QUOTED.search(inner)
        if quoted is not None and quoted.group("key") == group:
            start, end = quoted.span("key")
            new_inner = inner[:start] + new + inner[end:]
        else:
            bare = _LAST_BARE.search(inner)
            if bare is None or bare.group("key") != group:
                return None
            start, end = bare.span("key")
            new_inner = inner[:start] + (f'"{new}"' if "." in new else new) + inner[end:]
        lines[index] = match.group("lead") + new_inner + match.group("tail") + line[len(body) :]
        candidate = "".join(lines)
        return candidate if _moved(text, candidate, group, new) else None
    return None


def _moved(before: str, after: str, group: str, new: str) -> bool:
    """Whether ``after`` holds exactly ``before``'s document with ``group`` renamed ``new``."""
    try:
        old_doc = tomlkit.parse(before).unwrap()
        new_doc = tomlkit.parse(after).unwrap()
    except TOMLKitError:
        return False
    old_groups = old_doc["project"]["entry-points"]
    if new in old_groups:
        return False
    old_groups[new] = old_groups.pop(group)
    old_doc["project"]["entry-points"] = dict(sorted(old_groups.items()))
    new_doc["project"]["entry-points"] = dict(sorted(new_doc["project"]["entry-points"].items()))
    return bool(old_doc == new_doc)


def _locate(text: str, path: str, notes: list[Note]) -> list[Finding]:
    """Findings at the line where each note's text stands (repeated texts in order)."""
    found: list[Finding] = []
    start: dict[str, int] = {}
    for needle, kind, message in notes:
        offset = text.find(needle, start.get(needle, 0))
        if offset < 0:
            offset = text.find(needle)
        if offset >= 0:
            start[needle] = offset + 1
        line = text.count("\n", 0, offset) + 1 if offset >= 0 else 0
        found.append(Finding(path, line, kind, message))
    return found


def _lines(text: str, needles: list[str]) -> set[int]:
    lines = set()
    for needle in needles:
        offset = text.find(needle)
        while offset >= 0:
            lines.add(text.count("\n", 0, offset) + 1)
            offset = text.find(needle, offset + 1)
    return lines


__all__ = ["rewrite_pyproject"]
