"""The record of every vendored package, kept in the app's ``pyproject.toml``.

This is the contract between a fork and every later sync: the next sync's base
is the recorded snapshot commit, and if that commit is gone it is rebuilt from
the recorded source, revision and maps alone, then checked against the recorded
tree id. Pure data and text: no git, no file system. Edits go through tomlkit,
so the user's formatting and comments survive byte for byte outside our table.

Layout (one table per vendored package, keyed by its import name in the app)::

    [tool.graft.packages.acme_web]
    kind = "fork"                  # or "patch" (an extension kept under its own name)
    source = "vial"                # as given: bundled name, distribution, directory, git URL
    source-kind = "bundled"        # bundled | distribution | directory | git
    ref = "v1.2"                   # git sources: the ref asked for (optional)
    package = "vial"               # the import name upstream
    path = "acme_web"              # where it lives, relative to the repository root
    maps = ["vial=acme_web"]       # the rewrite maps, in order
    revision = "0.1.0"             # upstream version, or commit id for git sources
    upstream-tree = "<sha>"        # git tree id of the raw upstream files (a content digest)
    fingerprint = "<hash>"         # the rewrite settings and engine version
    snapshot = "<sha>"             # commit holding the pristine renamed snapshot (merge base)
    snapshot-tree = "<sha>"        # its tree id, to verify a regenerated snapshot
    graft-version = "0.1.0"
"""

from __future__ import annotations

import dataclasses
import keyword
import re
import sys
import typing as t
from dataclasses import dataclass

import tomlkit
import tomlkit.exceptions
from tomlkit.container import OutOfOrderTableProxy
from tomlkit.items import InlineTable, Table

from .errors import ManifestError


def manifest_error(message: str, hint: str | None = None) -> ManifestError:
    """A ManifestError with its message and hint (kept for the callers that build one here)."""
    return ManifestError(message, hint=hint)


KINDS = ("fork", "patch")
SOURCE_KINDS = ("bundled", "distribution", "directory", "git")
TABLE = ("tool", "graft", "packages")

_FIELDS: tuple[tuple[str, str], ...] = (
    # (attribute, key in the table), in the order they are written
    ("kind", "kind"),
    ("source", "source"),
    ("source_kind", "source-kind"),
    ("ref", "ref"),
    ("package", "package"),
    ("path", "path"),
    ("maps", "maps"),
    ("revision", "revision"),
    ("upstream_tree", "upstream-tree"),
    ("fingerprint", "fingerprint"),
    ("snapshot", "snapshot"),
    ("snapshot_tree", "snapshot-tree"),
    ("graft_version", "graft-version"),
    ("script", "script"),
)
_OPTIONAL = {"ref", "script"}


@dataclass(frozen=True)
class Entry:
    """One vendored package: where it came from, how it was renamed, and its merge base."""

    name: str
    """Import name in the app (the table key)."""
    kind: str
    source: str
    source_kind: str
    package: str
    """Import name upstream."""
    path: str
    """Posix path of the package directory, relative to the repository root."""
    maps: tuple[str, ...]
    revision: str
    upstream_tree: str
    fingerprint: str
    snapshot: str
    snapshot_tree: str
    graft_version: str
    ref: str | None = None
    script: str | None = None
    """The console script ``graft fork --script`` added to ``[project.scripts]`` for it."""

    def replace(self, **changes: t.Any) -> Entry:
        """A copy with some fields changed (entries are immutable values)."""
        return dataclasses.replace(self, **changes)

    def to_table(self) -> dict[str, t.Any]:
        """The TOML table for this entry, in a stable key order."""
        table: dict[str, t.Any] = {}
        for attr, key in _FIELDS:
            value = getattr(self, attr)
            if value is None:
                continue
            table[key] = list(value) if isinstance(value, tuple) else value
        return table

    @classmethod
    def from_table(cls, name: str, table: t.Mapping[str, t.Any]) -> Entry:
        """Validate and build an entry; raises ManifestError naming the bad field."""
        where = f"[{'.'.join(TABLE)}.{name}]"
        values: dict[str, t.Any] = {"name": name}
        for attr, key in _FIELDS:
            if key not in table:
                if attr in _OPTIONAL:
                    values[attr] = None
                    continue
                raise manifest_error(
                    f"{where} in pyproject.toml has no {key!r}.",
                    hint="Restore it from git history, or fork again.",
                )
            value = table[key]
            if attr == "maps":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise manifest_error(f"{where} 'maps' must be a list of 'OLD=NEW' strings.")
                value = tuple(str(v) for v in value)
            elif not isinstance(value, str):
                raise manifest_error(f"{where} {key!r} must be a string.")
            else:
                value = str(value)
            values[attr] = value
        if values["kind"] not in KINDS:
            raise manifest_error(f"{where} 'kind' must be one of {', '.join(KINDS)}.")
        if values["source_kind"] not in SOURCE_KINDS:
            raise manifest_error(f"{where} 'source-kind' must be one of {', '.join(SOURCE_KINDS)}.")
        entry = cls(**values)
        entry.validate()
        return entry

    def validate(self) -> None:
        """Check that the entry is one graft could have written; raise ManifestError if not.

        The manifest arrives through pull requests like any file, and graft acts on
        it: a ``maps`` entry pointing the fork (or one of its modules) at ``os`` or at
        another installed package, a ``path`` into ``.git`` or out of the work tree, or
        an option-like ``source`` handed to git must stop the command before anything
        is read or written. What needs the repository (the
        path's real location, submodules, installed modules) is checked where it is
        opened (:func:`graft.workspace.check_entry`).
        """
        where = f"[{'.'.join(TABLE)}.{self.name}] in pyproject.toml"
        restore = "restore the entry from git history (git log -p pyproject.toml)"
        if not _is_identifier(self.name):
            raise manifest_error(
                f"{where}: the table name {self.name!r} is not a Python identifier.",
                hint=f"It is the fork's import name; {restore}.",
            )
        if not _is_dotted(self.package):
            raise manifest_error(
                f"{where}: 'package' {self.package!r} is not a dotted Python name; {restore}."
            )
        problem = path_problem(self.path)
        if problem is not None:
            raise manifest_error(
                f"{where}: 'path' {self.path!r} {problem}.",
                hint=f"Give the fork's directory relative to the repository root, or {restore}.",
            )
        if self.script is not None and not is_script_name(self.script):
            raise manifest_error(
                f"{where}: 'script' {self.script!r} is not a console script name; {restore}."
            )
        if self.kind == "patch" and self.package != self.name:
            raise manifest_error(
                f"{where}: a patched extension keeps its name, but 'package' is {self.package!r}; "
                f"{restore}."
            )
        own: str | None = None
        for item in self.maps:
            old, sep, new = item.partition("=")
            if not sep or not _is_dotted(old) or not _is_dotted(new) or old == new:
                raise manifest_error(
                    f"{where}: 'maps' entry {item!r} is not OLD=NEW with dotted Python names; "
                    f"{restore}."
                )
            top = new.partition(".")[0]
            if top != self.name and top in sys.stdlib_module_names:
                raise manifest_error(
                    f"{where}: 'maps' entry {item!r} points {old} at the standard-library "
                    f"module {top}; {restore}."
                )
            if self.kind == "fork" and old.startswith(self.package + ".") and top != self.name:
                raise manifest_error(
                    f"{where}: 'maps' entry {item!r} sends {old}, a module of the fork, out of "
                    f"it to {top}; {restore}."
                )
            if old == self.package:
                own = new
        if self.kind == "fork" and own != self.name:
            found = f"{self.package}={own}" if own is not None else "no map of it"
            raise manifest_error(
                f"{where}: 'maps' must rename {self.package} to {self.name} (the fork), "
                f"found {found}; {restore}."
            )
        if self.kind == "patch" and own is not None:
            raise manifest_error(
                f"{where}: 'maps' renames the patched extension itself ({self.package}={own}); "
                f"{restore}."
            )
        ids = [("snapshot", self.snapshot), ("snapshot-tree", self.snapshot_tree)]
        ids.append(("upstream-tree", self.upstream_tree))
        if self.source_kind == "git":
            ids.append(("revision", self.revision))
        for key, value in ids:
            if not _is_object_id(value):
                raise manifest_error(
                    f"{where}: {key!r} {value!r} is not a git object id; {restore}."
                )
        for key, value in (("source", self.source), ("ref", self.ref or "")):
            if value.startswith("-") or any(c in value for c in "\0\n\r"):
                raise manifest_error(
                    f"{where}: {key!r} {value!r} is not a source graft can read (git would take "
                    f"it for an option or it holds a control character); {restore}."
                )


def _is_identifier(value: str) -> bool:
    return value.isidentifier() and not keyword.iskeyword(value)


def _is_dotted(value: str) -> bool:
    return bool(value) and all(_is_identifier(part) for part in value.split("."))


def _is_object_id(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def path_problem(path: str) -> str | None:
    """What is wrong with ``path`` as a fork's place in the work tree, or None.

    It must be a plain relative posix path below the repository root, outside
    ``.git`` (in any letter case: case-insensitive file systems), without ``..``.
    """
    if not path or path in (".", "./"):
        return "is the repository root, not a directory in it"
    if path.startswith("/") or "\\" in path or (len(path) > 1 and path[1] == ":"):
        return "is not a relative posix path"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "is not a plain relative path (empty, '.' or '..' parts)"
    if any(part.lower() == ".git" for part in parts):
        return "is inside .git"
    if any(c in path for c in "\0\n\r"):
        return "holds a control character"
    return None


@dataclass(frozen=True)
class Manifest:
    """Every entry recorded in one ``pyproject.toml``."""

    entries: tuple[Entry, ...] = ()

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    def get(self, name: str) -> Entry | None:
        for entry in self.entries:
            if entry.name == name:
                return entry
        return None

    def select(self, name: str | None) -> Entry:
        """The entry called ``name``, or the only one when ``name`` is None."""
        if name is not None:
            entry = self.get(name)
            if entry is None:
                known = ", ".join(self.names()) or "none"
                raise manifest_error(
                    f"no vendored package named {name!r} in pyproject.toml (recorded: {known})."
                )
            return entry
        if not self.entries:
            raise manifest_error(
                f"pyproject.toml records no vendored package under [{'.'.join(TABLE)}].",
                hint="Run `graft fork` first.",
            )
        if len(self.entries) > 1:
            raise manifest_error(
                f"several vendored packages are recorded ({', '.join(self.names())}).",
                hint="Name the one to use.",
            )
        return self.entries[0]


def _parse(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise manifest_error(f"pyproject.toml is not valid TOML: {exc}") from None


def parse_manifest(text: str) -> Manifest:
    """Read every entry from the text of a ``pyproject.toml`` (empty text: no entries)."""
    node: t.Any = _parse(text)
    for key in TABLE:
        if not isinstance(node, t.Mapping) or key not in node:
            return Manifest()
        node = node[key]
    if not isinstance(node, t.Mapping):
        raise manifest_error(f"[{'.'.join(TABLE)}] in pyproject.toml must be a table.")
    entries = []
    for name, table in node.items():
        if not isinstance(table, t.Mapping):
            raise manifest_error(f"[{'.'.join(TABLE)}.{name}] in pyproject.toml must be a table.")
        entries.append(Entry.from_table(str(name), table))
    return Manifest(tuple(entries))


def set_entry(text: str, entry: Entry) -> str:
    """The text of ``pyproject.toml`` with ``entry`` added or replaced; the rest is kept.

    An existing entry is updated in place, whatever shape tomlkit gives its tables
    (plain, split by other tables, inline). A new one goes next to the others; where
    tomlkit cannot place a table well, it goes at the end of the file as its own
    ``[tool.graft.packages.NAME]`` (valid TOML after the user's tables, and the
    user's text is kept byte for byte): when ``[tool.graft]`` or ``[tool]`` is split
    by other tables (a user's ``[tool.graft]`` written after graft's tables, say),
    or is defined with dotted keys. The result is read back and must hold exactly the
    user's data plus the entry.

    :raises ManifestError: the file is not TOML, or a key on the way is not a table.
    """
    doc = _parse(text)
    expected = _with_entry(doc.unwrap(), entry)
    rendered = _set_in_place(doc, entry)
    if rendered is None or _parse(rendered).unwrap() != expected:
        rendered = _append_table(text, entry)
        if _parse(rendered).unwrap() != expected:
            raise manifest_error(
                f"cannot record [{'.'.join(TABLE)}.{entry.name}] in this pyproject.toml's layout.",
                hint=f"Write the [{'.'.join(TABLE)}] tables as plain [table] headers and retry.",
            )
    if text and not text.endswith("\n"):
        return _line_endings(text, rendered)
    return _line_endings(text, rendered if rendered.endswith("\n") else rendered + "\n")


_TABLES = (Table, InlineTable, OutOfOrderTableProxy)
"""The shapes tomlkit gives a TOML table: a ``[header]`` or dotted-key table, an inline
``{...}`` table, or a proxy over a table split by other tables (``[tool.graft]`` after
``[tool.graft.packages.x]``)."""


def _set_in_place(doc: tomlkit.TOMLDocument, entry: Entry) -> str | None:
    """``doc`` with the entry set through tomlkit, or None to append it as a table instead."""
    node: t.Any = doc
    split = False
    for key in TABLE:
        if key not in node:
            if isinstance(node, OutOfOrderTableProxy):
                return None  # tomlkit would put the new table inside one part of the split one
            node.add(
                key,
                tomlkit.inline_table()
                if isinstance(node, InlineTable)
                else tomlkit.table(is_super_table=True),
            )
        node = node[key]
        if not isinstance(node, _TABLES):
            raise manifest_error(f"{key!r} in pyproject.toml must be a table.")
        split = split or isinstance(node, OutOfOrderTableProxy)
    table = _entry_table(entry, inline=isinstance(node, InlineTable))
    if entry.name in node:
        existing = node[entry.name]
        if not isinstance(existing, _TABLES):
            raise manifest_error(
                f"[{'.'.join(TABLE)}.{entry.name}] in pyproject.toml must be a table."
            )
        for key in list(existing.keys()):
            if key not in table:
                del existing[key]
        for key, value in table.items():
            existing[key] = value
    elif split:
        return None
    else:
        node.add(entry.name, table)
    return tomlkit.dumps(doc)


def _entry_table(entry: Entry, *, inline: bool = False) -> t.Any:
    table = tomlkit.inline_table() if inline else tomlkit.table()
    for key, value in entry.to_table().items():
        if isinstance(value, list):
            array = tomlkit.array()
            array.extend(value)
            table.add(key, array)
        else:
            table.add(key, value)
    return table


def _append_table(text: str, entry: Entry) -> str:
    """The user's text unchanged, then a blank line and ``[tool.graft.packages.NAME]``."""
    fresh = _set_in_place(tomlkit.document(), entry)
    assert fresh is not None
    body = text.replace("\r\n", "\n")  # set_entry puts CRLF back
    if not body.strip():
        return body + fresh
    return body + ("" if body.endswith("\n\n") else "\n" if body.endswith("\n") else "\n\n") + fresh


def _with_entry(data: dict[str, t.Any], entry: Entry) -> dict[str, t.Any]:
    """Plain data: ``data`` (fresh from ``unwrap()``) with the entry set, for the read-back check."""
    node = data
    for key in TABLE:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise manifest_error(f"{key!r} in pyproject.toml must be a table.")
        node = child
    node[entry.name] = entry.to_table()
    return data


def _line_endings(original: str, rendered: str) -> str:
    """Keep a file's CRLF line endings: tomlkit writes new lines with LF."""
    if "\r\n" not in original:
        return rendered
    return rendered.replace("\r\n", "\n").replace("\n", "\r\n")


_SCRIPT_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def is_script_name(name: str) -> bool:
    """Whether ``name`` can be a console script: letters, digits, ``.``, ``_`` and ``-``."""
    return _SCRIPT_NAME.fullmatch(name) is not None


def set_console_script(text: str, name: str, target: str) -> str:
    """The text of ``pyproject.toml`` with ``name = "target"`` in ``[project.scripts]``.

    The rest of the file is kept as written (comments, order, layout); the table is
    created after ``[project]`` when missing. The same script already present is fine.

    :raises ManifestError: there is no ``[project]`` table (a console script needs an
        installable project), or ``name`` already runs something else.
    """
    doc = _parse(text)
    project = doc.get("project")
    if not isinstance(project, _TABLES):
        raise manifest_error(
            "pyproject.toml has no [project] table, and a console script is part of one.",
            hint="Add [project] with the app's name and version, or leave out --script.",
        )
    scripts = project.get("scripts")
    if scripts is not None and not isinstance(scripts, _TABLES):
        raise manifest_error("[project.scripts] in pyproject.toml is not a table.")
    if scripts is not None and name in scripts:
        if scripts[name] == target:
            return text
        raise manifest_error(
            f"[project.scripts] already has {name} = {str(scripts[name])!r}.",
            hint="Choose another name for --script.",
        )
    expected = doc.unwrap()
    expected["project"].setdefault("scripts", {})[name] = target
    if scripts is None:
        table = tomlkit.table()
        table.append(name, target)
        table.add(tomlkit.nl())  # a blank line before the next table, as people write it
        project["scripts"] = table
    elif isinstance(scripts, (Table, InlineTable)):
        scripts.append(name, target)  # keeps an inline table's spacing, unlike item assignment
    else:
        scripts[name] = target
    rendered = tomlkit.dumps(doc)
    if text.endswith("\n") and not text.endswith("\n\n"):
        rendered = rendered.rstrip("\n") + "\n"  # no blank line added at the end of the file
    if _parse(rendered).unwrap() != expected:
        raise manifest_error(
            "cannot add to [project.scripts] in this pyproject.toml's layout.",
            hint=f'Add {name} = "{target}" under [project.scripts] by hand.',
        )
    return _line_endings(text, rendered)


def remove_entry(text: str, name: str) -> str:
    """The text of ``pyproject.toml`` without the entry ``name``."""
    doc = _parse(text)
    node: t.Any = doc
    for key in TABLE:
        node = node.get(key) if isinstance(node, t.Mapping) else None
    if isinstance(node, _TABLES) and name in node:
        del node[name]
    return _line_endings(text, tomlkit.dumps(doc))


__all__ = [
    "KINDS",
    "SOURCE_KINDS",
    "Entry",
    "Manifest",
    "is_script_name",
    "manifest_error",
    "parse_manifest",
    "path_problem",
    "remove_entry",
    "set_console_script",
    "set_entry",
]
