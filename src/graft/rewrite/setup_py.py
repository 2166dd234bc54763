"""``setup.py``: the literal ``entry_points=``, ``install_requires=`` and ``extras_require=`` of ``setup()``.

The same rules as for ``pyproject.toml`` and ``setup.cfg``
(:mod:`graft.rewrite.projectfiles`), applied to the literals of a ``setup(...)`` call
(``setuptools.setup``, ``distutils.core.setup``, however imported), or to a
module-level name assigned once and passed to it (``install_requires=REQUIRES``).
Values built at run time (a file read, a comprehension) are not literals and are left
to the line report. A string that spells its value with escapes is reported instead
of rewritten: the rewrite would have to re-spell the escapes.
"""

from __future__ import annotations

import typing as t

import libcst as cst

from .carriers import Carriers
from .syntax import Path, dotted_name

if t.TYPE_CHECKING:
    from .edit import Edits

SETUP_SCRIPT = "setup.py"
_REQUIREMENT_KEYWORDS = frozenset({"install_requires", "setup_requires", "tests_require"})


def is_setup_script(path: str) -> bool:
    return path.replace("\\", "/").rpartition("/")[2] == SETUP_SCRIPT


def plan_setup(module: cst.Module, carriers: Carriers, edits: Edits) -> None:
    """Rewrite or report the entry points and requirements given to ``setup()`` in ``module``."""
    walk = _Walk()
    module.visit(walk)
    planner = _Planner(carriers, edits, walk.assigned)
    for call, path in walk.calls:
        for arg in call.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword is None:
                continue
            value, value_path = planner.follow(arg.value, (*path, call, arg))
            if keyword in _REQUIREMENT_KEYWORDS:
                planner.requirements(value, value_path)
            elif keyword == "extras_require" and isinstance(value, cst.Dict):
                for element in value.elements:
                    if isinstance(element, cst.DictElement):
                        planner.requirements(element.value, (*value_path, value, element))
            elif keyword == "entry_points" and isinstance(value, cst.Dict):
                planner.entry_points(value, value_path)


class _Walk(cst.CSTVisitor):
    """The ``setup(...)`` calls with their ancestors, and the names assigned once at module level."""

    def __init__(self) -> None:
        self.stack: list[cst.CSTNode] = []
        self.calls: list[tuple[cst.Call, Path]] = []
        self.assigned: dict[str, tuple[cst.BaseExpression, Path] | None] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if (
            isinstance(node, cst.Call)
            and (dotted_name(node.func) or "").rpartition(".")[2] == "setup"
        ):
            self.calls.append((node, tuple(self.stack)))
        if isinstance(node, cst.Assign) and len(self.stack) == 2:  # Module > SimpleStatementLine
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    name = target.target.value
                    seen = name in self.assigned
                    self.assigned[name] = None if seen else (node.value, (*self.stack, node))
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


class _Planner:
    def __init__(
        self,
        carriers: Carriers,
        edits: Edits,
        assigned: t.Mapping[str, tuple[cst.BaseExpression, Path] | None],
    ) -> None:
        self.carriers = carriers
        self.edits = edits
        self.assigned = assigned

    def follow(self, node: cst.BaseExpression, path: Path) -> tuple[cst.BaseExpression, Path]:
        """A name passed to ``setup()`` stands for the literal assigned to it once at module level."""
        if isinstance(node, cst.Name):
            found = self.assigned.get(node.value)
            if found is not None:
                return found
        return node, path

    def requirements(self, node: cst.BaseExpression, path: Path) -> None:
        """A list (or tuple) of requirement strings: each renamed, dropped, or reported."""
        if isinstance(node, cst.SimpleString):
            self._requirement_string(node, path)
            return
        if not isinstance(node, (cst.List, cst.Tuple)):
            return
        kept: list[cst.BaseElement] = []
        changed = False
        for element in node.elements:
            item = element.value
            if not isinstance(item, cst.SimpleString):
                kept.append(element)
                continue
            self.edits.settled.add(id(item))
            body = _body(item)
            value = item.evaluated_value if body is None else body
            if not isinstance(value, str):  # a bytes literal is no requirement setuptools reads
                kept.append(element)
                continue
            edit = self.carriers.requirement(value)
            if edit.message or (body is None and edit.new is not None):
                self.edits.report(item, "distribution", edit.message or _escaped(item))
            if edit.new is None or body is None:
                kept.append(element)
            elif edit.dropped:
                changed = True
            else:
                kept.append(element.with_changes(value=_with_body(item, edit.new)))
                changed = True
        if not changed:
            return
        if len(kept) < len(node.elements) and kept:
            # The last element carries the list's closing layout (a trailing comma or none).
            last_comma = node.elements[-1].comma
            kept[-1] = kept[-1].with_changes(comma=last_comma)
        self.edits.replace(node, node.with_changes(elements=kept), path)

    def _requirement_string(self, node: cst.SimpleString, path: Path) -> None:
        self.edits.settled.add(id(node))
        body = _body(node)
        value = node.evaluated_value if body is None else body
        if not isinstance(value, str):
            return
        edit = self.carriers.requirement(value)
        if edit.message:
            self.edits.report(node, "distribution", edit.message)
        if edit.new is None:
            return
        if body is None or edit.dropped:
            # A lone string cannot be removed from setup(); an escaped one is not respelled.
            self.edits.report(
                node,
                "distribution",
                f"requirement {value!r} should be "
                + ("dropped" if edit.dropped else f"{edit.new!r}")
                + ": edit it by hand",
            )
            return
        self.edits.replace(node, _with_body(node, edit.new), path)

    def entry_points(self, node: cst.Dict, path: Path) -> None:
        """``{"GROUP": ["name = module:attr", ...]}``: references renamed, groups decided."""
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            element_path = (*path, node, element)
            key = element.key
            if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                self.edits.settled.add(id(key))
                self._group(key, key.evaluated_value, element_path)
            value = element.value
            if isinstance(value, (cst.List, cst.Tuple)):
                for item in value.elements:
                    if isinstance(item.value, cst.SimpleString):
                        self._definition(item.value, (*element_path, value, item))
            elif isinstance(value, cst.SimpleString):
                self._definition(value, element_path)

    def _group(self, key: cst.SimpleString, group: str, path: Path) -> None:
        decision = self.carriers.group(group)
        if decision is None:
            return
        if decision.message:
            self.edits.report(key, "entry-point", decision.message)
        if decision.new is None:
            return
        if _body(key) is None:
            self.edits.report(key, "entry-point", _escaped(key))
            return
        self.edits.replace(key, _with_body(key, decision.new), path)

    def _definition(self, node: cst.SimpleString, path: Path) -> None:
        self.edits.settled.add(id(node))
        body = _body(node)
        if body is None:
            # An escaped reference to the old package still breaks at run time: say so.
            value = node.evaluated_value
            if isinstance(value, str) and self.carriers.definition(value) is not None:
                self.edits.report(node, "entry-point", _escaped(node))
            return
        new = self.carriers.definition(body)
        if new is not None:
            self.edits.replace(node, _with_body(node, new), path)


def _body(node: cst.SimpleString) -> str | None:
    """The text between the quotes, when it spells its value plainly (no escapes, not bytes)."""
    if "b" in node.prefix.lower() or "\\" in node.raw_value:
        return None
    return node.raw_value


def _with_body(node: cst.SimpleString, body: str) -> cst.SimpleString:
    opening = node.value[: len(node.prefix) + len(node.quote)]
    return node.with_changes(value=opening + body + node.quote)


def _escaped(node: cst.SimpleString) -> str:
    return f"{node.value} spells its value with escapes; graft does not respell it: edit it by hand"


__all__ = ["SETUP_SCRIPT", "is_setup_script", "plan_setup"]
