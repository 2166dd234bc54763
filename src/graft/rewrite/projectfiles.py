"""Packaging metadata that names the package: entry points and requirements outside ``.py`` files.

``pyproject.toml`` (``[project.scripts]``, ``[project.gui-scripts]``,
``[project.entry-points."GROUP"]``, ``dependencies``, ``optional-dependencies``,
``[dependency-groups]``), ``setup.cfg`` (``[options.entry_points]``,
``install_requires``, ``setup_requires``, ``tests_require``,
``[options.extras_require]``), a dist-info's ``entry_points.txt`` and the
``Requires-Dist`` fields of ``METADATA``/``PKG-INFO``. The rules are the same in every
file and in ``setup.py`` (:mod:`graft.rewrite.setup_py`):

* an entry point's object reference is an import path and follows the rename
  (:func:`~graft.rewrite.entrypoints.rename_reference`);
* its group moves only where the new package reads the renamed group
  (:func:`~graft.rewrite.entrypoints.decide_group`), otherwise it is kept and reported
  with what will fail;
* a requirement on a renamed distribution follows its :class:`RequirementRule`
  (replaced by the distribution that provides the new package, or dropped when the
  app ships it), else it is kept and reported
  (:func:`~graft.rewrite.requirements.rewrite_requirement`).

Every edit changes the edited value only: TOML through tomlkit (comments, quoting and
layout kept), the INI-like files and ``METADATA`` line by line, never through
:mod:`configparser`, which would rewrite every line. What these files say about the
old name beyond that (a tool's settings, ``[tool.flit.module]``) is left to the
caller's line report; :attr:`CarrierResult.settled` names the lines settled here.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from .carriers import COMMAND_GROUPS, Carriers, Rewritten, split_ending
from .pyproject import rewrite_pyproject
from .reqfiles import is_requirements_file, rewrite_requirements_file
from .result import Finding

if t.TYPE_CHECKING:
    from .entrypoints import GroupDecision
    from .names import Renames
    from .options import RewriteOptions
    from .requirements import RequirementEdit

CARRIER_NAMES = frozenset(
    {"pyproject.toml", "setup.cfg", "entry_points.txt", "METADATA", "PKG-INFO"}
)
"""The file names handled here, with pip's requirements files (:mod:`graft.rewrite.reqfiles`);
``setup.py`` is Python (:mod:`graft.rewrite.setup_py`)."""


@dataclass(frozen=True)
class CarrierResult:
    """What a metadata file becomes."""

    new: bytes | None
    """The new bytes; None: unchanged."""
    findings: tuple[Finding, ...] = ()
    settled: frozenset[int] = frozenset()
    """Lines (of the new text) whose mention of the old name was dealt with here: kept on
    purpose or reported above, so the line report does not list them again."""


def is_carrier(path: str) -> bool:
    """Whether the file at ``path`` (a posix path or a base name) is handled here."""
    return path.rpartition("/")[2] in CARRIER_NAMES or is_requirements_file(path)


def rewrite_carrier(
    path: str, data: bytes, renames: Renames, options: RewriteOptions
) -> CarrierResult:
    """Rewrite one metadata file named ``path`` (its base name picks the format)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return CarrierResult(None)
    name = path.replace("\\", "/").rpartition("/")[2]
    carriers = Carriers(renames, options)
    if is_requirements_file(path):
        new, found, settled = rewrite_requirements_file(text, path, carriers)
    elif name == "pyproject.toml":
        new, found, settled = rewrite_pyproject(text, path, carriers)
    elif name == "setup.cfg":
        new, found, settled = _IniFile(text, path, carriers, setup_cfg=True).rewrite()
    elif name == "entry_points.txt":
        new, found, settled = _IniFile(text, path, carriers, setup_cfg=False).rewrite()
    else:
        new, found, settled = _metadata(text, path, carriers)
    return CarrierResult(
        None if new == text else new.encode("utf-8"),
        tuple(sorted(set(found), key=lambda f: (f.line, f.kind, f.message))),
        frozenset(settled),
    )


_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s*(?:[#;].*)?$")
_KEY = re.compile(r"^(?P<key>[^\s=:#;\[][^=:]*?)(?P<delim>\s*[=:])(?P<value>.*)$")
_REQUIREMENT_KEYS = frozenset({"install_requires", "setup_requires", "tests_require"})


class _IniFile:
    """``setup.cfg`` and ``entry_points.txt``, edited line by line.

    A value spans its key line and the indented lines after it, as configparser reads
    it. In ``entry_points.txt`` every section is a group of ``name = reference`` lines;
    in ``setup.cfg`` the groups are the keys of ``[options.entry_points]``, and the
    requirements are the values of ``[options]``' requirement keys and of
    ``[options.extras_require]`` (one a line, or ``;``-separated on one line, as
    setuptools splits them).
    """

    def __init__(self, text: str, path: str, carriers: Carriers, *, setup_cfg: bool) -> None:
        self.lines = text.splitlines(keepends=True)
        self.path = path
        self.carriers = carriers
        self.setup_cfg = setup_cfg
        self.findings: list[Finding] = []
        self.settled: set[int] = set()
        self.group = ""
        """The entry-point group of the lines being read."""

    def rewrite(self) -> Rewritten:
        out: list[str] = []
        section = ""
        role = ""  # what the current key's value holds: requirements, definitions, or nothing
        for line in self.lines:
            body, ending = split_ending(line)
            number = len(out) + 1
            header = _SECTION.match(body)
            if header is not None and not body[:1].isspace():
                section = header.group("name").strip()
                role = "" if self.setup_cfg else "definitions"
                self.group = section
                if not self.setup_cfg:
                    body = self._group_header(body, section, number)
                out.append(body + ending)
                continue
            stripped = body.strip()
            if not stripped or stripped.startswith(("#", ";")):
                out.append(line)
                continue
            if body[:1].isspace() and role:
                new = self._item(body, role, number)
                if new is not None:
                    out.append(new + ending)
                continue
            key = _KEY.match(body)
            if key is None:
                role = ""
                out.append(line)
                continue
            if not self.setup_cfg:
                new = self._item(body, "definitions", number)
                if new is not None:
                    out.append(new + ending)
                continue
            role = self._role(section, key.group("key").strip())
            self.group = key.group("key").strip()
            if role == "definitions":
                body = self._cfg_group(body, key, number)
            value = key.group("value")
            if role and value.strip():
                start = len(body) - len(value)
                new_value = self._single_line(value, role, number)
                body = body[:start] + new_value
            out.append(body + ending)
        return "".join(out), self.findings, self.settled

    def _role(self, section: str, key: str) -> str:
        if section == "options" and key in _REQUIREMENT_KEYS:
            return "requirements"
        if section == "options.extras_require":
            return "requirements"
        if section == "options.entry_points":
            return "definitions"
        return ""

    def _item(self, body: str, role: str, number: int) -> str | None:
        """One value line: the new line, or None to drop it."""
        content = body.strip()
        if role == "definitions":
            new = self._definition(content, number)
            return body if new is None else body.replace(content, new, 1)
        edit = self.carriers.requirement(content)
        return self._requirement_line(body, content, edit, number)

    def _definition(self, content: str, number: int) -> str | None:
        """``name = module:attr`` renamed (None: unchanged); its line settled unless a command keeps the old name."""
        new = self.carriers.definition(content)
        name = content.partition("=")[0]
        if not (self.group in COMMAND_GROUPS and self.carriers.mentions(name)):
            self.settled.add(number)
        return new

    def _requirement_line(
        self, body: str, content: str, edit: RequirementEdit, number: int
    ) -> str | None:
        if edit.message:
            self.findings.append(Finding(self.path, number, "distribution", edit.message))
        if edit.new is None:
            self.settled.add(number)  # reported above, or a requirement on another distribution
            return body
        if edit.dropped:
            return None
        return body.replace(content, edit.new, 1)

    def _single_line(self, value: str, role: str, number: int) -> str:
        """The value on a key line: one definition, or ``;``-separated requirements."""
        if role == "definitions":
            content = value.strip()
            new = self._definition(content, number)
            return value if new is None else value.replace(content, new, 1)
        parts = value.split(";")
        kept: list[str] = []
        for part in parts:
            content = part.strip()
            if not content:
                kept.append(part)
                continue
            line = self._requirement_line(part, content, self.carriers.requirement(content), number)
            if line is not None:
                kept.append(line)
        return ";".join(kept)

    def _group_header(self, body: str, group: str, number: int) -> str:
        """``[flask.commands]`` in ``entry_points.txt``: renamed, or kept and reported."""
        decision = self.carriers.group(group)
        if decision is None:
            return body
        return self._decided(body, group, decision, number)

    def _cfg_group(self, body: str, key: re.Match[str], number: int) -> str:
        group = key.group("key").strip()
        decision = self.carriers.group(group)
        if decision is None:
            return body
        head = self._decided(body[: key.end("key")], group, decision, number)
        return head + body[key.end("key") :]

    def _decided(self, text: str, group: str, decision: GroupDecision, number: int) -> str:
        if decision.message:
            self.findings.append(Finding(self.path, number, "entry-point", decision.message))
        if decision.new is None:
            self.settled.add(number)
            return text
        index = text.rfind(group)
        return text[:index] + decision.new + text[index + len(group) :]


_REQUIRES_DIST = re.compile(
    r"^(?P<key>Requires-Dist[ \t]*:[ \t]*)(?P<value>.*?)(?P<space>[ \t]*)$", re.I
)


_NAMING_FIELDS = frozenset({"name", "provides-dist", "obsoletes-dist", "provides", "obsoletes"})
"""Fields of ``METADATA`` that name distributions, and stay in the line report."""


def _metadata(text: str, path: str, carriers: Carriers) -> Rewritten:
    """``Requires-Dist`` fields of a ``METADATA``/``PKG-INFO``, up to the body."""
    out: list[str] = []
    findings: list[Finding] = []
    settled: set[int] = set()
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        body, ending = split_ending(line)
        if not body.strip():
            # The long description: prose, neither edited nor reported.
            settled.update(range(len(out) + 1, len(out) + len(lines) - index + 1))
            out.extend(lines[index:])
            break
        match = _REQUIRES_DIST.match(body)
        if match is None:
            field = body.partition(":")[0].strip().lower()
            if field not in _NAMING_FIELDS:
                settled.add(len(out) + 1)  # a summary, keyword, classifier or URL: prose
            out.append(line)
            continue
        number = len(out) + 1
        edit = carriers.requirement(match.group("value"))
        if edit.message:
            findings.append(Finding(path, number, "distribution", edit.message))
        if edit.new is None:
            settled.add(number)  # reported above, or a requirement on another distribution
            out.append(line)
        elif not edit.dropped:
            out.append(match.group("key") + edit.new + match.group("space") + ending)
    return "".join(out), findings, settled


__all__ = ["CARRIER_NAMES", "CarrierResult", "is_carrier", "rewrite_carrier"]
