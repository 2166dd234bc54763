"""Targeted edits to a libcst tree, and code generation that knows line numbers.

A ``CSTTransformer`` rebuilds every node of a module even when one name changes. The
rewriter instead records, for each replaced node, the path of its ancestors (the
walk in :mod:`graft.rewrite.scopes` has it for free) and rebuilds only that spine;
every other node object is reused, so the output differs from the input exactly in
the replaced tokens. Line numbers for findings come from the one code generation the
result needs anyway, instead of libcst's ``PositionProvider`` pass over every node.
"""

from __future__ import annotations

import typing as t

import libcst as cst
from libcst._nodes.internal import CodegenState

from .syntax import Path, child_fields

Replacement = cst.CSTNode | list[cst.CSTNode]


class Edits:
    """Replacements keyed by node identity, plus findings anchored to nodes."""

    def __init__(self) -> None:
        self.replacements: dict[int, Replacement] = {}
        self._paths: list[Path] = []
        self.findings: list[tuple[cst.CSTNode, str, str, int]] = []
        """(anchor node, kind, message, lines below the anchor's first line)."""
        self.settled: set[int] = set()
        """Ids of strings a pass has dealt with (renamed or reported), for the passes after it."""

    def __bool__(self) -> bool:
        return bool(self.replacements)

    def replace(self, node: cst.CSTNode, new: Replacement, path: Path) -> None:
        """Replace ``node`` (whose ancestors are ``path``) by ``new``; a list splices statements."""
        if new is node:
            return
        self.replacements[id(node)] = new
        self._paths.append(path)

    def current(self, node: cst.CSTNode) -> cst.CSTNode:
        """The node that stands for ``node`` after the edits (itself if not replaced)."""
        new = self.replacements.get(id(node), node)
        return new[0] if isinstance(new, list) else new

    def report(self, node: cst.CSTNode, kind: str, message: str, lines: int = 0) -> None:
        """A finding at ``node``'s first line, or ``lines`` further down (inside a long string)."""
        self.findings.append((node, kind, message, lines))

    def apply(self, module: cst.Module) -> cst.Module:
        """The module with every replacement made, sharing all untouched subtrees."""
        if not self.replacements:
            return module
        dirty = {id(node) for path in self._paths for node in path}
        new = self._rebuild(module, dirty)
        assert isinstance(new, cst.Module)
        return new

    def _rebuild(self, node: cst.CSTNode, dirty: set[int]) -> Replacement:
        replacement = self.replacements.get(id(node))
        if replacement is not None:
            return replacement
        if id(node) not in dirty:
            return node
        changes: dict[str, t.Any] = {}
        for name in child_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                new = self._rebuild(value, dirty)
                if new is not value:
                    changes[name] = new
            elif type(value) is tuple or type(value) is list:
                items: list[t.Any] = []
                changed = False
                for item in value:
                    new_item = self._rebuild(item, dirty) if isinstance(item, cst.CSTNode) else item
                    if new_item is not item:
                        changed = True
                    if isinstance(new_item, list):
                        items.extend(new_item)
                    else:
                        items.append(new_item)
                if changed:
                    changes[name] = tuple(items)
        return node.with_changes(**changes) if changes else node


class _LineState(CodegenState):
    """Code generation that notes the line on which each target node starts."""

    def __init__(self, module: cst.Module, targets: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.targets = targets
        self.lines: dict[int, int] = {}
        self._counted = 0
        self._line = 1

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.targets:
            tokens = self.tokens
            line = self._line
            for index in range(self._counted, len(tokens)):
                line += tokens[index].count("\n")
            self._line = line
            self._counted = len(tokens)
            self.lines[id(node)] = line


def generate(
    module: cst.Module, targets: t.Iterable[cst.CSTNode] = ()
) -> tuple[str, dict[int, int]]:
    """The module's source, and the 1-based start line of each target node (by ``id``)."""
    state = _LineState(module, {id(node) for node in targets})
    module._codegen(state)
    return "".join(state.tokens), state.lines


def make_dotted(parts: t.Sequence[str]) -> cst.Name | cst.Attribute:
    """A fresh ``a.b.c`` expression."""
    node: cst.Name | cst.Attribute = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def rebuild_dotted(
    node: cst.BaseExpression, old: t.Sequence[str], new: t.Sequence[str]
) -> cst.BaseExpression:
    """``node`` (a chain spelling ``old``) respelled as ``new``, touching only what differs.

    Where the two have the same length each name is swapped in place, so spacing and
    parentheses inside the chain survive; otherwise the differing prefix is built
    fresh (``a.b`` has no formatting to keep) under the outer node's parentheses.
    """
    if list(old) == list(new):
        return node
    if len(old) == len(new):
        return _swap_names(node, new)
    if len(old) > 1 and len(new) > 1 and old[-1] == new[-1] and isinstance(node, cst.Attribute):
        inner = rebuild_dotted(node.value, old[:-1], new[:-1])
        return node.with_changes(value=inner)
    fresh = make_dotted(new)
    if isinstance(node, (cst.Name, cst.Attribute)) and (node.lpar or node.rpar):
        fresh = fresh.with_changes(lpar=node.lpar, rpar=node.rpar)
    return fresh


def _swap_names(node: cst.BaseExpression, parts: t.Sequence[str]) -> cst.BaseExpression:
    if isinstance(node, cst.Name):
        return node if node.value == parts[0] else node.with_changes(value=parts[0])
    assert isinstance(node, cst.Attribute)
    value = _swap_names(node.value, parts[:-1])
    attr = node.attr if node.attr.value == parts[-1] else node.attr.with_changes(value=parts[-1])
    if value is node.value and attr is node.attr:
        return node
    return node.with_changes(value=value, attr=attr)


__all__ = ["Edits", "generate", "make_dotted", "rebuild_dotted"]
