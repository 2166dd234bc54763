"""A lean, scope-aware walk over a libcst tree: which names are bound where.

libcst's ``ScopeProvider``/``QualifiedNameProvider`` answer every question about every
name, and that is where ``RenameCommand`` spends most of its time. The rewriter needs
far less: the import statements, the occurrences of the handful of local names those
imports bind (and of the names they will be renamed to), and the string literals that
mention an old name. One recursive walk collects exactly that, with Python's scoping
rules (module, class, function, lambda, comprehension; ``global``/``nonlocal``; class
bodies invisible to nested functions), and keeps the ancestor path of each recorded
node so that :mod:`graft.rewrite.edit` can rebuild only the spine above a change.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

import libcst as cst

from .syntax import (
    Path,
    alias_local,
    child_fields,
    dotted_name,
    is_in_annotation,
    is_relevant_import,
)


class Scope:
    """One Python scope and the names bound in it (only the names the walk cares about)."""

    __slots__ = ("kind", "parent", "bindings", "globals", "nonlocals")

    def __init__(self, kind: str, parent: Scope | None) -> None:
        self.kind = kind
        """``module``, ``class``, ``function`` or ``comprehension``."""
        self.parent = parent
        self.bindings: dict[str, list[Binding]] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def resolve(self, name: str) -> Scope | None:
        """The scope whose binding of ``name`` a use in this scope sees (None: builtin/unbound)."""
        if name in self.globals:
            return self._module()
        scope: Scope | None = self
        if name in self.nonlocals:
            scope = self.parent
            while scope is not None and (scope.kind == "class" or name not in scope.bindings):
                scope = scope.parent
            return scope
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.bindings:
                return scope
            first = False
            scope = scope.parent
        return None

    def binding_scope(self, name: str) -> Scope:
        """The scope a binding of ``name`` made here lands in (``global``/``nonlocal`` move it)."""
        if name in self.globals:
            return self._module()
        if name in self.nonlocals:
            return self.resolve(name) or self
        return self

    def _module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclasses.dataclass(eq=False)
class Binding:
    """One statement that binds a name in a scope."""

    kind: str
    """``import`` (an import the renames apply to), ``star`` (a name a ``*`` import of a
    renamed module provides), ``none`` (``name = None``, the ``except ImportError``
    fallback), ``del`` or ``other`` (anything else, including unrelated imports)."""
    node: cst.CSTNode


@dataclasses.dataclass(eq=False)
class ImportRecord:
    """An absolute import statement that mentions an old name, where it stands."""

    node: cst.Import | cst.ImportFrom
    scope: Scope
    path: Path


@dataclasses.dataclass(eq=False)
class NameUse:
    """An occurrence of an interesting name: ``load``, ``store`` or ``decl`` (global/nonlocal)."""

    node: cst.Name
    scope: Scope
    role: str
    path: Path


@dataclasses.dataclass(eq=False)
class StringUse:
    """A string literal (or f-string) that mentions an old top-level name."""

    node: cst.SimpleString | cst.FormattedString
    path: Path


@dataclasses.dataclass(eq=False)
class CallUse:
    """A call to an import function whose module argument is not a literal."""

    node: cst.Call
    func: str
    path: Path


IMPORT_FUNCTIONS = frozenset({"import_module", "__import__", "import_string", "find_spec"})

_WORDS = re.compile(r"[^\W\d]\w*")
"""Identifiers in a string: looked up in the interesting names one by one, because testing
each interesting name against each string was quadratic in a generated module whose
functions each import under a new alias (minutes for 200,000 lines)."""


class Analysis:
    """What one walk found: imports, scopes, interesting names, strings and dynamic imports."""

    def __init__(
        self,
        module: cst.Module,
        roots: frozenset[str],
        interest: frozenset[str],
        needles: tuple[str, ...] = (),
        folded: tuple[str, ...] = (),
    ) -> None:
        self.roots = roots
        self.interest = interest
        self.module_scope = Scope("module", None)
        self.imports: list[ImportRecord] = []
        self.names: list[NameUse] = []
        self.strings: list[StringUse] = []
        self.calls: list[CallUse] = []
        self.local_imports: dict[str, str] = {}
        """Local name -> qualified name for every ``import``/``from`` in the file, so that
        ``import_module(...)`` can be recognised whatever it was imported as."""
        self.renamed_locals: dict[str, str] = {}
        """Module-level names the import pass renamed (``Flask`` -> ``Vial``), for string annotations."""
        self._root_bytes = (*roots, *needles)
        """Substrings that make a string worth a look: the old roots, and the commands and
        environment prefixes a profile renames."""
        self._folded = folded
        """Lower-case substrings (distribution names) checked against a string's lower case."""
        self._stack: list[cst.CSTNode] = []
        self._scope = self.module_scope
        self._handlers: dict[type, t.Callable[[t.Any], None]] = {
            cst.Name: self._visit_name,
            cst.Attribute: self._visit_attribute,
            cst.Arg: self._visit_arg,
            cst.Call: self._visit_call,
            cst.SimpleString: self._visit_string,
            cst.FormattedString: self._visit_fstring,
            cst.Import: self._visit_import,
            cst.ImportFrom: self._visit_import,
            cst.FunctionDef: self._visit_function,
            cst.Lambda: self._visit_lambda,
            cst.ClassDef: self._visit_class,
            cst.ListComp: self._visit_comprehension,
            cst.SetComp: self._visit_comprehension,
            cst.GeneratorExp: self._visit_comprehension,
            cst.DictComp: self._visit_comprehension,
            cst.Assign: self._visit_assign,
            cst.AugAssign: self._visit_target_and_value,
            cst.AnnAssign: self._visit_ann_assign,
            cst.For: self._visit_for,
            cst.WithItem: self._visit_with_item,
            cst.ExceptHandler: self._visit_except,
            cst.ExceptStarHandler: self._visit_except,
            cst.NamedExpr: self._visit_named_expr,
            cst.Del: self._visit_del,
            cst.Global: self._visit_global,
            cst.Nonlocal: self._visit_global,
            cst.MatchAs: self._visit_match_capture,
            cst.MatchStar: self._visit_match_capture,
            cst.MatchMapping: self._visit_match_mapping,
        }
        self.visit(module)

    # -- the walk ---------------------------------------------------------------

    def visit(self, node: cst.CSTNode) -> None:
        self._stack.append(node)
        handler = self._handlers.get(type(node))
        if handler is None:
            self._children(node)
        else:
            handler(node)
        self._stack.pop()

    def _children(self, node: cst.CSTNode) -> None:
        visit = self.visit
        for name in child_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                visit(value)
            elif type(value) is tuple or type(value) is list:
                for item in value:
                    if isinstance(item, cst.CSTNode):
                        visit(item)

    def _visit_opt(self, node: t.Any) -> None:
        if isinstance(node, cst.CSTNode):
            self.visit(node)

    def _path(self) -> Path:
        return tuple(self._stack[:-1])

    def _bind(self, name: str, binding: Binding, scope: Scope | None = None) -> None:
        target = (scope or self._scope).binding_scope(name)
        target.bindings.setdefault(name, []).append(binding)

    # -- names and bindings -------------------------------------------------------

    def _visit_name(self, node: cst.Name) -> None:
        if node.value in self.interest:
            self.names.append(NameUse(node, self._scope, "load", self._path()))

    def _store(self, node: cst.Name, kind: str, scope: Scope | None = None) -> None:
        """Record ``node`` (already on the stack) as a binding occurrence."""
        self._bind(node.value, Binding(kind, node), scope)
        if node.value in self.interest:
            self.names.append(NameUse(node, scope or self._scope, "store", self._path()))

    def _target(self, node: cst.BaseExpression, kind: str, scope: Scope | None = None) -> None:
        """Visit an assignment target: names in it are bound, the rest is evaluated."""
        self._stack.append(node)
        if isinstance(node, cst.Name):
            self._store(node, kind, scope)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._stack.append(element)
                self._target(element.value, "other", scope)
                self._stack.pop()
        elif isinstance(node, cst.StarredElement):
            self._target(node.value, "other", scope)
        else:
            handler = self._handlers.get(type(node))
            handler(node) if handler is not None else self._children(node)
        self._stack.pop()

    def _visit_attribute(self, node: cst.Attribute) -> None:
        self.visit(node.value)

    def _visit_arg(self, node: cst.Arg) -> None:
        self.visit(node.value)

    def _visit_assign(self, node: cst.Assign) -> None:
        value = node.value
        kind = "none" if isinstance(value, cst.Name) and value.value == "None" else "other"
        for target in node.targets:
            self._stack.append(target)
            self._target(target.target, kind)
            self._stack.pop()
        self.visit(value)

    def _visit_target_and_value(self, node: cst.AugAssign) -> None:
        self._target(node.target, "other")
        self.visit(node.value)

    def _visit_ann_assign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, "other")
        self.visit(node.annotation)
        self._visit_opt(node.value)

    def _visit_for(self, node: cst.For) -> None:
        self._target(node.target, "other")
        self.visit(node.iter)
        self.visit(node.body)
        self._visit_opt(node.orelse)

    def _visit_with_item(self, node: cst.WithItem) -> None:
        self.visit(node.item)
        if node.asname is not None:
            self._stack.append(node.asname)
            self._target(node.asname.name, "other")
            self._stack.pop()

    def _visit_except(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        self._visit_opt(node.type)
        if node.name is not None:
            self._stack.append(node.name)
            self._target(node.name.name, "other")
            self._stack.pop()
        self.visit(node.body)

    def _visit_named_expr(self, node: cst.NamedExpr) -> None:
        scope = self._scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        self._target(node.target, "other", scope)
        self.visit(node.value)

    def _visit_del(self, node: cst.Del) -> None:
        self._target(node.target, "del")

    def _visit_global(self, node: cst.Global | cst.Nonlocal) -> None:
        names = self._scope.globals if isinstance(node, cst.Global) else self._scope.nonlocals
        for item in node.names:
            names.add(item.name.value)
            if item.name.value in self.interest:
                self._stack.append(item)
                self._stack.append(item.name)
                self.names.append(NameUse(item.name, self._scope, "decl", self._path()))
                self._stack.pop()
                self._stack.pop()

    def _visit_match_capture(self, node: cst.MatchAs | cst.MatchStar) -> None:
        pattern = getattr(node, "pattern", None)
        self._visit_opt(pattern)
        if node.name is not None:
            self._target(node.name, "other")

    def _visit_match_mapping(self, node: cst.MatchMapping) -> None:
        for element in node.elements:
            self.visit(element)
        if node.rest is not None:
            self._target(node.rest, "other")

    # -- scopes -------------------------------------------------------------------

    def _visit_params(self, params: cst.Parameters) -> None:
        """Defaults and annotations run in the enclosing scope, before the new one exists."""
        self._stack.append(params)
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self._stack.append(param)
            self._visit_opt(param.annotation)
            self._visit_opt(param.default)
            self._stack.pop()
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self._stack.append(star)
                self._visit_opt(star.annotation)
                self._stack.pop()
        self._stack.pop()

    def _bind_params(self, params: cst.Parameters) -> None:
        self._stack.append(params)
        for param in (
            *params.posonly_params,
            *params.params,
            *params.kwonly_params,
            params.star_arg,
            params.star_kwarg,
        ):
            if isinstance(param, cst.Param):
                self._stack.append(param)
                self._target(param.name, "other")
                self._stack.pop()
        self._stack.pop()

    def _enter(self, kind: str) -> Scope:
        outer = self._scope
        self._scope = Scope(kind, outer)
        return outer

    def _visit_function(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.visit(decorator)
        self._visit_params(node.params)
        if node.returns is not None:
            self.visit(node.returns)
        self._target(node.name, "other")
        outer = self._enter("function")
        self._bind_params(node.params)
        self.visit(node.body)
        self._scope = outer

    def _visit_lambda(self, node: cst.Lambda) -> None:
        self._visit_params(node.params)
        outer = self._enter("function")
        self._bind_params(node.params)
        self.visit(node.body)
        self._scope = outer

    def _visit_class(self, node: cst.ClassDef) -> None:
        for decorator in node.decorators:
            self.visit(decorator)
        for arg in (*node.bases, *node.keywords):
            self.visit(arg)
        self._target(node.name, "other")
        outer = self._enter("class")
        self.visit(node.body)
        self._scope = outer

    def _visit_comprehension(self, node: cst.BaseComp) -> None:
        comp_for: cst.CompFor = node.for_in
        self._stack.append(comp_for)
        self.visit(comp_for.iter)  # the first iterable runs in the enclosing scope
        outer = self._enter("comprehension")
        clause: cst.CompFor | None = comp_for
        first = True
        while clause is not None:
            if not first:
                self._stack.append(clause)
                self.visit(clause.iter)
            self._target(clause.target, "other")
            for condition in clause.ifs:
                self.visit(condition)
            clause = clause.inner_for_in
            first = False
        for _ in range(self._depth_of(comp_for)):
            self._stack.pop()
        for name in ("elt", "key", "value"):
            self._visit_opt(getattr(node, name, None))
        self._scope = outer

    @staticmethod
    def _depth_of(comp_for: cst.CompFor) -> int:
        depth = 0
        clause: cst.CompFor | None = comp_for
        while clause is not None:
            depth += 1
            clause = clause.inner_for_in
        return depth

    # -- imports, strings, calls --------------------------------------------------

    def _visit_import(self, node: cst.Import | cst.ImportFrom) -> None:
        relevant = is_relevant_import(node, self.roots)
        if relevant:
            self.imports.append(ImportRecord(node, self._scope, self._path()))
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None:
                    local = alias_local(alias)
                    self.local_imports.setdefault(local, full)
                else:
                    local = full.partition(".")[0]
                    self.local_imports.setdefault(local, local)
                binding = Binding("import" if relevant else "other", node)
                self._bind(local, binding)
            return
        if isinstance(node.names, cst.ImportStar):
            return
        module = "." * len(node.relative) + (dotted_name(node.module) or "" if node.module else "")
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = alias_local(alias)
            self.local_imports.setdefault(local, f"{module}.{name}")
            binding = Binding("import" if relevant else "other", node)
            self._bind(local, binding)

    def _mentions_root(self, text: str) -> bool:
        if any(root in text for root in self._root_bytes):
            return True
        if self._folded:
            lower = text.lower()
            return any(name in lower for name in self._folded)
        return False

    def _visit_string(self, node: cst.SimpleString) -> None:
        value = node.value
        if self._mentions_root(value):
            self.strings.append(StringUse(node, self._path()))
        elif not self.interest.isdisjoint(_WORDS.findall(value)) and (
            is_in_annotation(self._path(), or_argument=True)
            or value.lstrip("rRuU").strip("'\"") in self.interest
        ):
            # "Flask" in an annotation or in __all__ names what ``from flask import Flask`` bound.
            self.strings.append(StringUse(node, self._path()))

    def _visit_fstring(self, node: cst.FormattedString) -> None:
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText) and self._mentions_root(part.value):
                self.strings.append(StringUse(node, self._path()))
                break
        self._children(node)

    def _visit_call(self, node: cst.Call) -> None:
        func = node.func
        last = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else func.value
            if isinstance(func, cst.Name)
            else None
        )
        if (
            last in IMPORT_FUNCTIONS
            and node.args
            and not isinstance(node.args[0].value, cst.SimpleString)
        ):
            self.calls.append(
                CallUse(node, dotted_name(func) or last or "", tuple(self._stack[:-1]))
            )
        self._children(node)


__all__ = [
    "Analysis",
    "Binding",
    "CallUse",
    "ImportRecord",
    "NameUse",
    "Scope",
    "StringUse",
]
