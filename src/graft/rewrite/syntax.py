"""Reading libcst nodes: dotted names, import statements, and which fields hold code.

Small, stateless helpers shared by the scope walk, the import and string passes and the
spine rebuild in :mod:`graft.rewrite.edit`.
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst

Path = tuple[cst.CSTNode, ...]
"""Ancestors of a node, outermost (the module) first, the node itself excluded."""

_SKIP_FIELDS = frozenset(
    {
        "lpar", "rpar", "leading_lines", "lines_after_decorators", "header", "footer",
        "comma", "semicolon", "colon", "first_colon", "second_colon", "equal", "dot",
        "operator", "asynchronous", "trailing_whitespace", "newline", "lbrace", "rbrace",
        "lbracket", "rbracket", "relative", "indent", "encoding", "default_indent",
        "default_newline", "has_trailing_newline", "empty_lines", "comment",
        "leading_whitespace", "trailing_comma", "first_line", "last_line", "posonly_ind",
        "separator", "conversion", "star",
    }
)  # fmt: skip
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that can hold code (whitespace and tokens left out)."""
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _CHILD_FIELDS[cls] = fields
    return fields


def alias_local(alias: cst.ImportAlias) -> str:
    """The name an import alias binds: its ``as`` name, else the first part of its path."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted_name(alias.name) or "").partition(".")[0]


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, None for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def is_relevant_import(node: cst.Import | cst.ImportFrom, roots: frozenset[str]) -> bool:
    """Whether an import statement names one of ``roots`` as an absolute module."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is not None and name.partition(".")[0] in roots:
                return True
        return False
    if node.relative or node.module is None:
        return False
    module = dotted_name(node.module)
    return module is not None and module.partition(".")[0] in roots


_TYPE_EXPRESSION_PARTS = (
    cst.Subscript,
    cst.SubscriptElement,
    cst.Index,
    cst.BinaryOperation,
    cst.Tuple,
    cst.Element,
    cst.List,
    cst.ConcatenatedString,
)


def is_in_annotation(path: Path, *, or_argument: bool = False) -> bool:
    """Whether a node with ancestors ``path`` is part of an annotation.

    Climbs through what a type expression is made of (subscripts, ``|`` unions, tuples,
    lists, concatenated strings) to the nearest ancestor that is not, and says whether
    that is an annotation. With ``or_argument``, a call argument counts too: a string in
    ``cast("Flask", x)`` may name a type as well.
    """
    for ancestor in reversed(path):
        if isinstance(ancestor, cst.Annotation) or (or_argument and isinstance(ancestor, cst.Arg)):
            return True
        if not isinstance(ancestor, _TYPE_EXPRESSION_PARTS):
            return False
    return False


def iter_imports(module: cst.Module) -> t.Iterator[cst.Import | cst.ImportFrom]:
    """Every import statement, at any depth, walking statements only (cheap)."""
    bodies: list[t.Sequence[cst.CSTNode]] = [module.body]
    while bodies:
        for stmt in bodies.pop():
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        yield small
            elif isinstance(stmt, (cst.Import, cst.ImportFrom)):
                yield stmt  # inside a SimpleStatementSuite
            elif isinstance(stmt, cst.BaseCompoundStatement):
                _push_suites(stmt, bodies)


def _push_suites(stmt: cst.CSTNode, bodies: list[t.Sequence[cst.CSTNode]]) -> None:
    for attr in ("body", "orelse", "finalbody"):
        part = getattr(stmt, attr, None)
        if isinstance(part, cst.BaseSuite):
            bodies.append(part.body)
        elif isinstance(part, (cst.If, cst.Else, cst.Finally)):
            _push_suites(part, bodies)
    for handler in getattr(stmt, "handlers", ()):
        bodies.append(handler.body.body)
    for case in getattr(stmt, "cases", ()):
        bodies.append(case.body.body)


__all__ = [
    "Path",
    "alias_local",
    "child_fields",
    "dotted_name",
    "is_in_annotation",
    "is_relevant_import",
    "iter_imports",
]
