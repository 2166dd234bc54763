"""Entry points: the object references they load, and the groups they register in.

An entry point is two things, with different rules:

* its **object reference** (``flask.cli:main``, ``flask_migrate.cli:db``) is an import
  path, loaded with ``importlib.import_module``: it is code, and follows the rename
  like any import (``flask.cli:main`` -> ``myflask.cli:main``);
* its **group** (``flask.commands``) is a name the package that owns the plugin system
  reads (``entry_points(group="flask.commands")``). Renaming it is right only when the
  new package reads the new name, and wrong when it still reads the old one (a fork
  of Flask keeps reading ``flask.commands`` unless its rewrite renamed that string).
  So the group is decided by what the new package's code actually reads
  (:func:`groups_read` finds it; the caller hands the result in), and when that does
  not settle it, the entry point is kept and reported with what will fail.
"""

from __future__ import annotations

import ast
import re
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from .names import Renames

GroupReads = tuple[tuple[str, str], ...]
"""``(group, where)`` for each entry-point group the new package reads: ``("vial.commands",
"vial/cli.py:490")``. A group graft could not resolve is :data:`UNRESOLVED`."""
UNRESOLVED = "?"

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(
    rf"(?P<lead>\s*)(?P<module>{_IDENT}(?:\s*\.\s*{_IDENT})*)"
    rf"(?P<colon>\s*:\s*)?(?P<attr>(?(colon){_IDENT}(?:\s*\.\s*{_IDENT})*|))"
    r"(?P<rest>\s*(?:\[[^\]]*\])?\s*)"
)
_DEFINITION = re.compile(r"(?P<name>\s*[^=\s][^=]*?\s*=)(?P<value>.*)", re.DOTALL)


def rename_reference(value: str, renames: Renames) -> str | None:
    """``flask.cli:main`` -> ``myflask.cli:main`` (None: nothing to rename, or not a reference).

    Spacing and the ``[extras]`` suffix are kept. A symbol map renames the attribute
    too (``flask.cli:FlaskGroup`` -> ``vial.cli:VialGroup`` with the flask-vial profile).
    """
    match = _REFERENCE.fullmatch(value)
    if match is None:
        return None
    module_text, attr_text = match.group("module"), match.group("attr")
    module = re.sub(r"\s+", "", module_text)
    if not renames.matches(module):
        return None
    new_module = renames.rename(module)
    new_attr_text = attr_text
    if attr_text:
        attr = re.sub(r"\s+", "", attr_text)
        whole = renames.rename(f"{module}.{attr}")
        if whole.startswith(new_module + "."):
            new_attr = whole[len(new_module) + 1 :]
            if new_attr != attr:
                new_attr_text = new_attr
    if new_module == module and new_attr_text == attr_text:
        return None
    new_module_text = module_text if new_module == module else new_module
    return (
        match.group("lead")
        + new_module_text
        + (match.group("colon") or "")
        + new_attr_text
        + match.group("rest")
    )


def rename_definition(text: str, renames: Renames) -> str | None:
    """``name = flask.cli:main`` with its reference renamed (None: nothing to rename)."""
    match = _DEFINITION.fullmatch(text)
    if match is None:
        return None
    new = rename_reference(match.group("value"), renames)
    return None if new is None else match.group("name") + new


@dataclass(frozen=True)
class GroupDecision:
    """What happens to an entry-point group of a renamed package."""

    new: str | None
    """The group to register in instead; None: kept as it is."""
    message: str | None = None
    """Set when it is kept and that will fail, or when graft cannot tell."""


def decide_group(
    group: str, renames: Renames, reads: GroupReads | None, policy: str = "report"
) -> GroupDecision | None:
    """Whether the entry points of ``group`` move to the renamed group (None: not a group of a renamed package).

    ``reads`` are the groups the new package's code reads. The group is renamed when
    the new package reads the renamed one, and kept silently when it reads the old one
    (those entry points keep loading). Otherwise it is kept and the message says what
    the new package reads instead and that these entry points will not be found. When
    ``reads`` is None (the new package's code is not at hand), ``policy`` decides, as
    for a group read in code: ``rename``, ``keep``, or ``report`` (kept, reported).
    """
    if not renames.matches(group):
        return None
    new = renames.rename(group)
    if new == group:
        return None
    target = new.partition(".")[0]
    if reads is None:
        if policy == "rename":
            return GroupDecision(new)
        if policy == "keep":
            return GroupDecision(None)
        return GroupDecision(
            None,
            f"entry-point group {group!r} kept: graft cannot tell which group {target} reads "
            f"(its code is not at hand); if it reads {new!r}, these entry points will not be "
            "found: rename the group by hand",
        )
    names = {name for name, _ in reads}
    if new in names:
        return GroupDecision(new)
    if group in names:
        return GroupDecision(None)
    unresolved = [where for name, where in reads if name == UNRESOLVED]
    related = [
        (name, where)
        for name, where in reads
        if name != UNRESOLVED and name.partition(".")[0] in (target, group.partition(".")[0])
    ]
    if related:
        shown = ", ".join(f"{name!r} ({where})" for name, where in related)
        return GroupDecision(
            None,
            f"{target} reads the entry-point group {shown}; this entry point registers under "
            f"{group!r} and will not be found",
        )
    if unresolved:
        return GroupDecision(
            None,
            f"{target} reads an entry-point group graft cannot work out ({', '.join(unresolved)});"
            f" this entry point registers under {group!r}: check that {target} reads it",
        )
    return GroupDecision(
        None,
        f"{target} reads no entry-point group named after it; this entry point registers under "
        f"{group!r} and nothing will load it",
    )


_READERS = frozenset({"entry_points", "iter_entry_points", "select"})
_SPLITTERS = frozenset({"partition", "rpartition", "split", "rsplit"})


def groups_read(
    source: str | bytes, module: str, *, is_package: bool = False
) -> list[tuple[str, int]]:
    """The entry-point groups a module's code reads, with their lines.

    Calls that take a group (``entry_points(group=G)``, ``.select(group=G)``,
    ``iter_entry_points(G)``, ``entry_points()[G]``/``.get(G)``) are found, and ``G``
    is worked out where it is a literal, or built from ``__name__``/``__package__``,
    module-level constants, f-strings, ``+``, ``%`` and ``.format``: vial's
    ``f"{_PACKAGE}.commands"`` reads ``acme_web.commands`` in a fork named ``acme_web``.
    ``module`` is the module's dotted name (``acme_web.cli``; for a package's
    ``__init__``, the package's name with ``is_package``). A group it cannot work out is
    :data:`UNRESOLVED`. Code that does not parse reads nothing.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    package = module if is_package else module.rpartition(".")[0]
    resolver = _Resolver(tree, module, package)
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        expression = _group_argument(node)
        if expression is not None:
            value = resolver.resolve(expression)
            found.append((UNRESOLVED if value is None else value, node.lineno))  # type: ignore[attr-defined]
    return sorted(set(found), key=lambda pair: (pair[1], pair[0]))


def _group_argument(node: ast.AST) -> ast.expr | None:
    if isinstance(node, ast.Call):
        func = node.func
        name = (
            func.attr
            if isinstance(func, ast.Attribute)
            else func.id
            if isinstance(func, ast.Name)
            else ""
        )
        if name in _READERS:
            for keyword in node.keywords:
                if keyword.arg == "group":
                    return keyword.value
            if name == "iter_entry_points" and node.args:
                return node.args[0]
        if (
            name == "get"
            and isinstance(func, ast.Attribute)
            and _is_entry_points_call(func.value)
            and node.args
        ):
            return node.args[0]
    if isinstance(node, ast.Subscript) and _is_entry_points_call(node.value):
        return node.slice
    return None


def _is_entry_points_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or node.args or node.keywords:
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "entry_points"


class _Resolver:
    """Works out string expressions built from constants, ``__name__`` and ``__package__``."""

    def __init__(self, tree: ast.Module, module: str, package: str) -> None:
        self.names: dict[str, str] = {"__name__": module, "__package__": package}
        self.assigned: dict[str, ast.expr | None] = {}
        for statement in tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            for target in targets:
                if isinstance(target, ast.Name):
                    # Assigned twice: which value a read sees depends on the order of execution.
                    seen = target.id in self.assigned
                    self.assigned[target.id] = None if seen else value
        self._busy: set[str] = set()

    def resolve(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "__spec__":
                return {"parent": self.names["__package__"], "name": self.names["__name__"]}.get(
                    node.attr
                )
            return None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.conversion not in (-1, 115) or value.format_spec is not None:
                        return None
                    part = self.resolve(value.value)
                else:
                    part = self.resolve(value)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        if isinstance(node, ast.BinOp):
            left = self.resolve(node.left)
            if left is None:
                return None
            if isinstance(node.op, ast.Add):
                right = self.resolve(node.right)
                return None if right is None else left + right
            if isinstance(node.op, ast.Mod):
                args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                values = [self.resolve(arg) for arg in args]
                if any(v is None for v in values):
                    return None
                try:
                    return left % tuple(values)
                except (TypeError, ValueError):
                    return None
            return None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for value in node.values:  # the first truthy one; a module's names are
                result = self.resolve(value)
                if result:
                    return result
            return None
        if isinstance(node, ast.Subscript):
            return self._split(node)
        if isinstance(node, ast.Call):
            return self._format(node)
        return None

    def _name(self, name: str) -> str | None:
        if name in self.names:
            return self.names[name]
        value = self.assigned.get(name)
        if value is None or name in self._busy:
            return None
        self._busy.add(name)
        try:
            return self.resolve(value)
        finally:
            self._busy.discard(name)

    def _split(self, node: ast.Subscript) -> str | None:
        """``X.partition(".")[0]``, ``X.rsplit(".", 1)[0]`` and the like."""
        call = node.value
        index = node.slice
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in _SPLITTERS
            and isinstance(index, ast.Constant)
            and isinstance(index.value, int)
        ):
            return None
        base = self.resolve(call.func.value)
        arguments = [
            self.resolve(a) if not isinstance(a, ast.Constant) else a.value for a in call.args
        ]
        if base is None or not arguments or not isinstance(arguments[0], str):
            return None
        method = getattr(base, call.func.attr)
        try:
            parts = method(*arguments)
            value = parts[index.value]
        except (TypeError, ValueError, IndexError):
            return None
        return value if isinstance(value, str) else None

    def _format(self, node: ast.Call) -> str | None:
        """``"{}.commands".format(NAME)``."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "format") or node.keywords:
            return None
        template = self.resolve(func.value)
        values = [self.resolve(arg) for arg in node.args]
        if template is None or any(v is None for v in values):
            return None
        try:
            return template.format(*values)
        except (IndexError, KeyError, ValueError):
            return None


__all__ = [
    "UNRESOLVED",
    "GroupDecision",
    "GroupReads",
    "decide_group",
    "groups_read",
    "rename_definition",
    "rename_reference",
]
