"""Rename imports and the names they bind: cases 1-14 of REWRITE_CASES.md.

Each alias of an import statement that the map touches becomes a binding effect: the
local name ``L`` it bound, the qualified name ``O`` that ``L`` stood for, the new
qualified name ``N`` and the new local name ``L'`` (``import flask`` binds ``flask``
to ``flask``, and becomes ``import myflask`` binding ``myflask``; ``import flask as fl``
keeps ``fl``; ``from flask import Flask`` with ``flask.Flask=vial.Vial`` binds ``Vial``).
Every use that resolves to that binding is then respelled: the local name, and the
attribute chain after it by its qualified name (``fl.Flask`` -> ``fl.Vial``,
``flask.json.dumps`` -> ``myflask.codec.dumps``). When the new local name would clash
with another binding in the file, the import gets an ``as`` alias that keeps the old
local name instead, and the case is reported.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import libcst as cst

from .edit import Edits, make_dotted, rebuild_dotted
from .scopes import Analysis, Binding, ImportRecord, NameUse, Scope
from .syntax import alias_local, dotted_name, is_relevant_import, iter_imports

if t.TYPE_CHECKING:
    from .names import Renames


@dataclass(eq=False)
class Effect:
    """What one import alias binds, before and after the rename."""

    local: str
    old: str
    new: str
    new_local: str
    scope: Scope
    record: ImportRecord | None
    alias_index: int
    alias_new: str | None = None
    """What ``new`` becomes if the import keeps the old local name with ``as`` (None: it cannot)."""

    @property
    def aliased(self) -> bool:
        """Whether the import must say ``as local`` to keep the old local name."""
        return self.new_local == self.local and self.new.rpartition(".")[2] != self.local


def interest_names(module: cst.Module, renames: Renames) -> frozenset[str]:
    """Local names bound by imports of renamed modules, their new names, and star-provided symbols."""
    roots = renames.roots
    names: set[str] = set()
    for node in iter_imports(module):
        if not is_relevant_import(node, roots):
            continue
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                names.add(alias_local(alias))
                if alias.asname is None:
                    names.add(renames.rename(full).partition(".")[0])
            continue
        module_name = dotted_name(node.module) if node.module is not None else None
        if module_name is None:
            continue
        if isinstance(node.names, cst.ImportStar):
            for _, old, new in _star_symbols(module_name, renames):
                names.add(old)
                names.add(new)
            continue
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            names.add(alias_local(alias))
            names.add(renames.rename(f"{module_name}.{name}").rpartition(".")[2])
    return frozenset(names)


def _star_symbols(module: str, renames: Renames) -> t.Iterator[tuple[str, str, str]]:
    """(key, old symbol, new symbol) for symbol maps a ``from module import *`` provides."""
    new_module = renames.rename(module)
    for key, _ in renames:
        parent, _, symbol = key.rpartition(".")
        if parent == module:
            new = renames.rename(key)
            if new.rpartition(".")[0] == new_module:
                yield key, symbol, new.rpartition(".")[2]


def plan_imports(analysis: Analysis, renames: Renames, edits: Edits) -> None:
    """Record in ``edits`` every import and name change the map implies for this module."""
    effects = _effects(analysis, renames)
    decisions = _decide(analysis, effects, edits)
    # Grouped once: filtering all effects per import was quadratic in the number of imports.
    by_record: dict[int, list[Effect]] = {}
    for effect in effects:
        if effect.record is not None:
            by_record.setdefault(id(effect.record), []).append(effect)
    for record in analysis.imports:
        _rewrite_import(record, by_record.get(id(record), []), renames, edits)
    _rewrite_uses(analysis, decisions, renames, edits)
    module_id = id(analysis.module_scope)
    for (scope_id, local), decision in decisions.items():
        if scope_id == module_id and decision is not None and decision[0] != local:
            analysis.renamed_locals[local] = decision[0]


def _effects(analysis: Analysis, renames: Renames) -> list[Effect]:
    """What each alias of each relevant import binds now and will bind after the rename."""
    effects: list[Effect] = []
    for record in analysis.imports:
        node = record.node
        if isinstance(node, cst.Import):
            for i, alias in enumerate(node.names):
                full = dotted_name(alias.name) or ""
                new = renames.rename(full)
                if alias.asname is not None:
                    local = alias_local(alias)
                    effects.append(
                        Effect(
                            local,
                            full,
                            new,
                            local,
                            record.scope.binding_scope(local),
                            record,
                            i,
                            new,
                        )
                    )
                else:
                    root, new_root = full.partition(".")[0], new.partition(".")[0]
                    alias_new = new if "." not in full else None
                    effects.append(
                        Effect(
                            root,
                            root,
                            new_root,
                            new_root,
                            record.scope.binding_scope(root),
                            record,
                            i,
                            alias_new,
                        )
                    )
            continue
        module = (dotted_name(node.module) if node.module is not None else None) or ""
        if isinstance(node.names, cst.ImportStar):
            for key, symbol, new_symbol in _star_symbols(module, renames):
                bindings = record.scope.bindings.setdefault(symbol, [])
                if any(b.kind != "star" for b in bindings):
                    continue
                bindings.append(Binding("star", node))
                effects.append(
                    Effect(symbol, key, renames.rename(key), new_symbol, record.scope, None, -1)
                )
            continue
        for i, alias in enumerate(node.names):
            name = dotted_name(alias.name) or ""
            old = f"{module}.{name}"
            new = renames.rename(old)
            local = alias_local(alias)
            new_local = local if alias.asname is not None else new.rpartition(".")[2]
            effects.append(
                Effect(
                    local, old, new, new_local, record.scope.binding_scope(local), record, i, new
                )
            )
    return effects


Decision = tuple[str, tuple[tuple[str, str], ...]]
"""(new local name, the (old, new) qualified names it may stand for) for a (scope, local name)."""


def _decide(
    analysis: Analysis, effects: list[Effect], edits: Edits
) -> dict[tuple[int, str], Decision | None]:
    """Settle, per scope and local name, what the name becomes; alias where renaming would clash."""
    groups: dict[tuple[int, str], tuple[Scope, list[Effect]]] = {}
    for effect in effects:
        groups.setdefault((id(effect.scope), effect.local), (effect.scope, []))[1].append(effect)
    uses = _Uses(analysis.names)
    decisions: dict[tuple[int, str], Decision | None] = {}
    for key, (scope, group) in groups.items():
        local = key[1]
        new_locals = {e.new_local for e in group}
        new_local = next(iter(new_locals)) if len(new_locals) == 1 else None
        clash = new_local is None or (
            new_local != local and _clashes(scope, local, new_local, uses)
        )
        if clash:
            if all(e.alias_new is not None for e in group):
                for effect in group:
                    effect.new_local = local
                    effect.new = t.cast(str, effect.alias_new)
                new_local = local
                anchor = group[0].record.node if group[0].record is not None else None
                if anchor is not None and any(e.aliased for e in group):
                    edits.report(
                        anchor,
                        "alias",
                        f"kept the local name {local!r} with an 'as' alias:"
                        " renaming it would clash with another binding",
                    )
            elif new_local is None:
                decisions[key] = None
                continue
            elif group[0].record is not None:
                edits.report(
                    group[0].record.node,
                    "clash",
                    f"renamed {local!r} to {new_local!r}, which is also bound otherwise in this file; check the result",
                )
        meanings = tuple(sorted({(e.old, e.new) for e in group}))
        decisions[key] = (t.cast(str, new_local), meanings)
    return decisions


class _Uses:
    """The uses of each name, indexed by the scope they resolve to and by enclosing scope.

    A clash check looks only at the uses that can matter for its scope. Scanning every
    use of a name for every import of it made a generated module with an import in
    each function quadratic (200,000 lines: minutes in the clash checks alone). Each
    index is built once per name, in time linear in its uses times the nesting depth.
    """

    def __init__(self, names: t.Iterable[NameUse]) -> None:
        self._by_name: dict[str, list[NameUse]] = {}
        for use in names:
            self._by_name.setdefault(use.node.value, []).append(use)
        self._resolving: dict[str, dict[int, list[NameUse]]] = {}
        self._inside: dict[str, dict[int, list[NameUse]]] = {}

    def resolving_to(self, name: str, scope: Scope) -> list[NameUse]:
        """Uses of ``name`` that see the binding of ``name`` in ``scope``."""
        index = self._resolving.get(name)
        if index is None:
            index = {}
            for use in self._by_name.get(name, ()):
                target = use.scope.resolve(name)
                if target is not None:
                    index.setdefault(id(target), []).append(use)
            self._resolving[name] = index
        return index.get(id(scope), [])

    def inside(self, name: str, scope: Scope) -> list[NameUse]:
        """Uses of ``name`` in ``scope`` or in a scope nested in it."""
        index = self._inside.get(name)
        if index is None:
            index = {}
            for use in self._by_name.get(name, ()):
                enclosing: Scope | None = use.scope
                while enclosing is not None:
                    index.setdefault(id(enclosing), []).append(use)
                    enclosing = enclosing.parent
            self._inside[name] = index
        return index.get(id(scope), [])


def _clashes(scope: Scope, local: str, new_local: str, uses: _Uses) -> bool:
    """Whether renaming ``local`` to ``new_local`` in ``scope`` could change what any name means.

    It could if ``local`` is also bound otherwise in that scope (a ``def``, a loop
    variable: renaming those too would change the module's own API), if the scope
    already binds ``new_local``, if a use of ``local`` would meet a ``new_local`` bound
    in a scope between it and ``scope``, or if an existing use of ``new_local`` inside
    ``scope`` that now means something outside it (a builtin, an outer binding) would
    be captured by the new binding.
    """
    if any(b.kind == "other" for b in scope.bindings.get(local, ())):
        return True
    if new_local in scope.bindings:
        return True
    for use in uses.resolving_to(local, scope):
        seen = use.scope.resolve(new_local)
        if seen is not None and seen is not scope and _within(seen, scope):
            return True
    for use in uses.inside(new_local, scope):
        seen = use.scope.resolve(new_local)
        if seen is None or not _within(seen, scope):
            return True
    return False


def _within(inner: Scope, outer: Scope) -> bool:
    scope: Scope | None = inner
    while scope is not None:
        if scope is outer:
            return True
        scope = scope.parent
    return False


def _rewrite_import(
    record: ImportRecord, effects: list[Effect], renames: Renames, edits: Edits
) -> None:
    node = record.node
    if isinstance(node, cst.Import):
        aliases = list(node.names)
        for effect in effects:
            alias = aliases[effect.alias_index]
            full = dotted_name(alias.name) or ""
            new_full = renames.rename(full)
            changes: dict[str, t.Any] = {}
            if new_full != full:
                changes["name"] = rebuild_dotted(alias.name, full.split("."), new_full.split("."))
            if alias.asname is None and effect.aliased and "." not in full:
                changes["asname"] = cst.AsName(name=cst.Name(effect.local))
            if changes:
                aliases[effect.alias_index] = alias.with_changes(**changes)
        edits.replace(node, node.with_changes(names=tuple(aliases)), record.path)
        return
    assert node.module is not None  # relevant imports are absolute
    module = dotted_name(node.module) or ""
    new_module = renames.rename(module)
    if isinstance(node.names, cst.ImportStar):
        if new_module != module:
            new_node = node.with_changes(
                module=rebuild_dotted(node.module, module.split("."), new_module.split("."))
            )
            edits.replace(node, new_node, record.path)
        return
    groups: dict[str, list[cst.ImportAlias]] = {}
    for effect in effects:
        alias = node.names[effect.alias_index]
        target_module, _, name = effect.new.rpartition(".")
        changes = {}
        if name != dotted_name(alias.name):
            changes["name"] = alias.name.with_changes(value=name)
        if alias.asname is None and effect.aliased:
            changes["asname"] = cst.AsName(name=cst.Name(effect.local))
        groups.setdefault(target_module, []).append(
            alias.with_changes(**changes) if changes else alias
        )
    if len(groups) == 1:
        target_module, aliases = next(iter(groups.items()))
        changes = {"names": tuple(aliases)}
        if target_module != module:
            changes["module"] = rebuild_dotted(
                node.module, module.split("."), target_module.split(".")
            )
        edits.replace(node, node.with_changes(**changes), record.path)
        return
    edits.replace(node, _split(node, groups), record.path)
    edits.report(
        node,
        "split",
        f"split 'from {module} import ...' into {len(groups)} imports: the names now come from different modules",
    )


def _split(node: cst.ImportFrom, groups: dict[str, list[cst.ImportAlias]]) -> list[cst.CSTNode]:
    """One statement per target module, the first keeping the original's formatting."""
    statements: list[cst.CSTNode] = []
    for target_module, aliases in groups.items():
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if not target_module:
            statements.append(cst.Import(names=aliases))
            continue
        module_node = make_dotted(target_module.split("."))
        if not statements:
            statements.append(
                node.with_changes(
                    module=module_node, names=tuple(aliases), semicolon=cst.MaybeSentinel.DEFAULT
                )
            )
        else:
            statements.append(cst.ImportFrom(module=module_node, names=aliases))
    last = statements[-1]
    statements[-1] = last.with_changes(semicolon=node.semicolon)
    return statements


def _rewrite_uses(
    analysis: Analysis,
    decisions: dict[tuple[int, str], Decision | None],
    renames: Renames,
    edits: Edits,
) -> None:
    for use in analysis.names:
        name = use.node.value
        scope = use.scope.resolve(name)
        if scope is None:
            continue
        decision = decisions.get((id(scope), name), ...)
        if decision is ...:
            continue
        if decision is None:
            edits.report(
                use.node,
                "unbound",
                f"imports give {name!r} different new names in one scope; left unchanged",
            )
            continue
        new_local, meanings = decision
        if use.role != "load":
            if new_local != name:
                edits.replace(use.node, use.node.with_changes(value=new_local), use.path)
            continue
        _rewrite_chain(use.node, use.path, name, new_local, meanings, renames, edits)


def _rewrite_chain(
    name_node: cst.Name,
    path: tuple[cst.CSTNode, ...],
    local: str,
    new_local: str,
    meanings: tuple[tuple[str, str], ...],
    renames: Renames,
    edits: Edits,
) -> None:
    """Respell ``local.a.b`` by the qualified name it stands for under every binding in scope."""
    nodes: list[cst.BaseExpression] = [name_node]
    depth = len(path)
    while depth > 0:
        parent = path[depth - 1]
        if not (isinstance(parent, cst.Attribute) and parent.value is nodes[-1]):
            break
        nodes.append(parent)
        depth -= 1
    attrs = [t.cast(cst.Attribute, n).attr.value for n in nodes[1:]]
    spellings: set[tuple[str, ...]] = set()
    for old, new in meanings:
        qualified = ".".join([old, *attrs])
        renamed = renames.rename(qualified)
        if renamed == new:
            spellings.add((new_local,))
        elif renamed.startswith(new + "."):
            spellings.add((new_local, *renamed[len(new) + 1 :].split(".")))
        else:
            edits.report(
                name_node,
                "unbound",
                f"{qualified} becomes {renamed}, which {local!r} cannot reach after the rename; left unchanged",
            )
            return
    if len(spellings) != 1:
        edits.report(
            name_node,
            "unbound",
            f"{local!r} stands for different modules here and they rename differently; left unchanged",
        )
        return
    old_parts, new_parts = [local, *attrs], list(spellings.pop())
    if new_parts == old_parts:
        return
    common = 0
    while (
        common < len(old_parts) - 1
        and common < len(new_parts) - 1
        and old_parts[-1 - common] == new_parts[-1 - common]
    ):
        common += 1
    i, j = len(old_parts) - common, len(new_parts) - common
    target = nodes[i - 1]
    edits.replace(
        target, rebuild_dotted(target, old_parts[:i], new_parts[:j]), path[: len(path) - (i - 1)]
    )


__all__ = ["Effect", "interest_names", "plan_imports"]
