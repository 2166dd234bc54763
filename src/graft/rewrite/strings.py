"""Strings that name the package: classify by where they stand, then apply a policy.

Cases 15-26 of REWRITE_CASES.md. A string is treated as a module path only when its
whole value is a dotted name under a renamed prefix, and what happens to it depends on
the position: an argument of ``import_module``/``mock.patch``/``PackageLoader``/
``getLogger``, a ``sys.modules`` key, a comparison with ``__name__``, an annotation are
renamed; entry-point groups and distribution-name lookups follow the options; a
docstring is prose unless asked; anything else is reported and left alone, so that an
environ key such as ``"werkzeug.request"`` is never changed behind the user's back.
"""

from __future__ import annotations

import re
import typing as t

import libcst as cst

from .scopes import Analysis, StringUse
from .syntax import Path, dotted_name

if t.TYPE_CHECKING:
    from .edit import Edits
    from .names import Renames
    from .options import RewriteOptions

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED_WORD = re.compile(rf"(?<![\w.])[^\W\d]\w*(?:\.{_IDENT})*(?!\w)")
"""A dotted name standing alone in free text; :func:`_substitute` looks its head up, instead
of compiling an alternation of every renamed name for each string (quadratic in the renamed names)."""
_PATH = re.compile(rf"({_IDENT}(?:\.{_IDENT})*)(\.?)((?::{_IDENT}(?:\.{_IDENT})*)?)")
_ENTRY_POINT_SPEC = re.compile(
    rf"\s*[\w.-]+\s*=\s*({_IDENT}(?:\.{_IDENT})*)\s*(?::\s*[\w.]+)?\s*(?:\[[^\]]*\])?\s*"
)

#: last name of a callable -> argument positions (and keywords) that hold a module name
_MODULE_ARGS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "import_module": ((0,), ("name",)),
    "__import__": ((0,), ("name",)),
    "find_spec": ((0,), ("name",)),
    "import_string": ((0,), ("import_name",)),
    "importorskip": ((0,), ("modname",)),
    "resolve_name": ((0,), ("name",)),
    "find_loader": ((0,), ("fullname",)),
    "patch": ((0,), ("target",)),
    "getLogger": ((0,), ("name",)),
    "ContextVar": ((0,), ("name",)),
    "PackageLoader": ((0,), ("package_name",)),
    "get_data": ((0,), ("package",)),
    "read_text": ((0,), ("package", "anchor")),
    "read_binary": ((0,), ("package", "anchor")),
    "open_text": ((0,), ("package", "anchor")),
    "open_binary": ((0,), ("package", "anchor")),
    "is_resource": ((0,), ("package", "anchor")),
    "contents": ((0,), ("package", "anchor")),
    "resource_filename": ((0,), ("package_or_requirement",)),
    "resource_string": ((0,), ("package_or_requirement",)),
    "resource_stream": ((0,), ("package_or_requirement",)),
    "resource_exists": ((0,), ("package_or_requirement",)),
    "resource_listdir": ((0,), ("package_or_requirement",)),
    "resource_isdir": ((0,), ("package_or_requirement",)),
    "filterwarnings": ((3,), ("module",)),
    "simplefilter": ((), ("module",)),
}
_SYS_MODULES_METHODS = frozenset({"get", "pop", "setdefault", "__contains__", "__getitem__"})
_ANNOTATION_ARGS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "cast": ((0,), ("typ",)),
    "ForwardRef": ((0,), ("arg",)),
    "TypeVar": ((), ("bound",)),
}
_DISTRIBUTION_FUNCS = frozenset(
    {"version", "metadata", "distribution", "requires", "files", "get_distribution", "require"}
)
_IDENTITY_ATTRS = frozenset({"__name__", "__module__", "__package__"})


def plan_strings(
    analysis: Analysis,
    renames: Renames,
    options: RewriteOptions,
    edits: Edits,
    known_modules: t.AbstractSet[str] = frozenset(),
) -> None:
    """Rename or report every string in ``analysis`` that names a renamed module.

    ``known_modules`` (dotted names of the modules being rewritten) serves the
    ``unknown_strings="rename-known"`` policy.
    """
    roots = renames.roots
    explained: set[int] = set()
    blocked = _blocked_modules(analysis)
    for use in analysis.strings:
        before = len(edits.findings)
        if isinstance(use.node, cst.FormattedString):
            _plan_fstring(use, roots, analysis, edits)
        else:
            _plan_string(use, renames, options, analysis, edits, known_modules, blocked)
        if any(kind == "dynamic-import" for _, kind, _ in edits.findings[before:]):
            explained.update(id(node) for node in use.path)
    for call in analysis.calls:
        if id(call.node) not in explained:
            edits.report(
                call.node,
                "dynamic-import",
                f"{call.func}() with a computed module name cannot be renamed; check it by hand",
            )


def _split_literal(node: cst.SimpleString) -> tuple[str, str, str] | None:
    """(opening, body, closing) of a text literal; None for bytes."""
    prefix, quote = node.prefix, node.quote
    if "b" in prefix.lower():
        return None
    opening = node.value[: len(prefix) + len(quote)]
    return opening, node.value[len(opening) : len(node.value) - len(quote)], quote


def _is_known(dotted: str, dot: str, attr: str, known_modules: t.AbstractSet[str]) -> bool:
    """A ``pkg.mod`` or ``pkg.mod.Attr`` string naming a module of the rewritten tree."""
    if dot or attr or "." not in dotted:
        return False
    parent = dotted.rpartition(".")[0]
    # "pkg.server" is more often a logger or a key than an attribute of the package.
    return dotted in known_modules or ("." in parent and parent in known_modules)


def _plan_string(
    use: StringUse,
    renames: Renames,
    options: RewriteOptions,
    analysis: Analysis,
    edits: Edits,
    known_modules: t.AbstractSet[str] = frozenset(),
    blocked: t.AbstractSet[str] = frozenset(),
) -> None:
    node = use.node
    assert isinstance(node, cst.SimpleString)
    parts = _split_literal(node)
    if parts is None:
        return
    opening, body, closing = parts
    context = classify(use.path, node, analysis)
    if context == "docstring":
        if options.docstrings:
            new_body = _substitute(body, renames)
            if new_body != body:
                edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
        return
    if context == "export":
        # __all__ names what the module binds; follow the names the imports renamed.
        new_name = analysis.renamed_locals.get(body)
        if new_name is not None:
            edits.replace(node, node.with_changes(value=opening + new_name + closing), use.path)
            return
    if context in ("annotation", "type-argument"):
        # Forward references are evaluated in the module's namespace, so they follow
        # both module paths and the names the imports bound (``"Flask"`` -> ``"Vial"``).
        new_body = _substitute(body, renames, analysis.renamed_locals)
        if new_body != body:
            edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
        return
    match = _PATH.fullmatch(body)
    if match is None:
        spec = _ENTRY_POINT_SPEC.fullmatch(body)
        if spec is not None and renames.matches(spec.group(1)):
            edits.report(
                node,
                "entry-point",
                f"entry-point definition {body!r} names {spec.group(1)}; update the packaging metadata by hand",
            )
        return
    dotted, dot, attr = match.groups()
    new_dotted = renames.rename(dotted)
    if new_dotted == dotted:
        return
    new_body = new_dotted + dot + attr
    shown = f"{body!r}"
    if context == "module":
        role = _guard_role(use.path, analysis)
        if role == "block" or (role == "unblock" and body in blocked):
            what = "blocks" if role == "block" else "undoes the block of"
            edits.report(
                node,
                "string",
                f"sys.modules entry {shown} {what} the old package (an import guard); kept on purpose",
            )
            return
    if context == "module" or (context == "entry-point" and options.entry_points == "rename"):
        edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
    elif context == "entry-point":
        if options.entry_points == "report":
            edits.report(
                node,
                "entry-point",
                f"entry-point group {shown} kept: renaming it cuts off plugins written for upstream"
                " (entry_points='rename' renames it)",
            )
    elif context == "distribution":
        if options.distributions == "report":
            edits.report(
                node,
                "distribution",
                f"distribution name {shown} kept: the fork is not installed under that name;"
                " answer with the version it was forked from",
            )
    elif context == "dynamic":
        edits.report(
            node, "dynamic-import", f"{shown} is part of a computed module name; check it by hand"
        )
    elif options.unknown_strings == "rename-known" and _is_known(dotted, dot, attr, known_modules):
        edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
    elif options.unknown_strings != "keep":
        edits.report(
            node,
            "string",
            f"{shown} looks like a module path but is not used as one here; left unchanged",
        )


def _is_none(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _guard_role(path: Path, analysis: Analysis) -> str | None:
    """``block`` for ``sys.modules[OLD] = None`` and its ``setitem``/``setdefault``/``patch.dict`` forms,
    ``unblock`` for ``del sys.modules[OLD]``/``pop``/``delitem``; None for anything else.

    Setting a ``sys.modules`` entry to None is the documented way to make an import
    fail: in a project that left the old package it is a guard that the old package is
    no longer needed, a statement about the old name. Renaming it would block the new
    package instead and break every test. Removing the entry undoes such a guard, so it
    is kept too, but only where the same file sets the guard (elsewhere it is cleanup
    that must follow the rename, case 17).
    """
    if len(path) < 2:
        return None
    parent = path[-1]
    if isinstance(parent, cst.DictElement):
        # patch.dict(sys.modules, {OLD: None}): only the keys mapped to None are guards.
        if len(path) >= 4 and _classify_dict_key(path[:-1], analysis) == "module":
            return "block" if _is_none(parent.value) else None
        return None
    if isinstance(parent, cst.Index) and len(path) >= 4 and isinstance(path[-3], cst.Subscript):
        if not _resolve(dotted_name(path[-3].value), analysis).endswith("sys.modules"):
            return None
        holder = path[-4]
        if (
            isinstance(holder, cst.AssignTarget)
            and len(path) >= 5
            and isinstance(path[-5], cst.Assign)
        ):
            return "block" if _is_none(path[-5].value) else None
        if isinstance(holder, cst.Del):
            return "unblock"
        if isinstance(holder, cst.Element) and len(path) >= 6 and isinstance(path[-6], cst.Del):
            return "unblock"
        return None
    if not (isinstance(parent, cst.Arg) and isinstance(path[-2], cst.Call)):
        return None
    call = path[-2]
    assert isinstance(call, cst.Call)
    callee = _resolve(dotted_name(call.func), analysis)
    last = callee.rpartition(".")[2] or (
        call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    )
    position, _ = _arg_position(call, parent)
    args = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if last in ("setitem", "delitem") and position == 1:
        if not _resolve(dotted_name(args[0]), analysis).endswith("sys.modules"):
            return None
        if last == "delitem":
            return "unblock"
        return "block" if len(args) > 2 and _is_none(args[2]) else None
    if position == 0 and callee.rpartition(".")[0].endswith("sys.modules"):
        if last == "setdefault":
            return "block" if len(args) > 1 and _is_none(args[1]) else None
        if last == "pop":
            return "unblock"
    return None


def _blocked_modules(analysis: Analysis) -> frozenset[str]:
    """The module names this file blocks with ``sys.modules[NAME] = None`` (or its forms)."""
    found = set()
    for use in analysis.strings:
        node = use.node
        if (
            isinstance(node, cst.SimpleString)
            and use.path
            and _guard_role(use.path, analysis) == "block"
        ):
            parts = _split_literal(node)
            if parts is not None:
                found.add(parts[1])
    return frozenset(found)


def _plan_fstring(use: StringUse, roots: frozenset[str], analysis: Analysis, edits: Edits) -> None:
    node = use.node
    assert isinstance(node, cst.FormattedString)
    text = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
    pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, sorted(roots))) + r")(?:\.|$)")
    first = node.parts[0] if node.parts else None
    starts = isinstance(first, cst.FormattedStringText) and pattern.match(first.value) is not None
    if classify(use.path, node, analysis) in ("module", "dynamic"):
        edits.report(
            node,
            "dynamic-import",
            "a module name built with an f-string cannot be renamed; check it by hand",
        )
    elif starts or pattern.search(text) and _PATH.fullmatch(text.strip(".")):
        edits.report(
            node, "string", "an f-string builds what looks like a module path; left unchanged"
        )


def _substitute(text: str, renames: Renames, locals_: t.Mapping[str, str] | None = None) -> str:
    """Rename dotted names under a renamed root inside free text (annotations, docstrings).

    With ``locals_`` (in string annotations) a bare name the import pass renamed, such
    as ``"Flask"`` after ``from flask import Flask`` became ``from vial import Vial``,
    is renamed too, since the annotation is evaluated in the module's namespace.
    """
    roots = renames.roots

    def replace(match: re.Match[str]) -> str:
        dotted = match.group(0)
        head, dot, rest = dotted.partition(".")
        if head in roots:
            return renames.rename(dotted)
        if locals_ and head in locals_:
            return locals_[head] + dot + rest
        return dotted

    return _DOTTED_WORD.sub(replace, text)


def _resolve(dotted: str | None, analysis: Analysis) -> str:
    """A callee's dotted name with its first part replaced by what it was imported as."""
    if not dotted:
        return ""
    head, dot, rest = dotted.partition(".")
    target = analysis.local_imports.get(head)
    if target is None:
        return dotted
    return target + dot + rest


def classify(path: Path, node: cst.CSTNode, analysis: Analysis) -> str:
    """What a string at ``path`` is used as: ``module``, ``annotation``, ``type-argument``
    (``cast``/``TypeVar(bound=)``), ``entry-point``, ``distribution``, ``docstring``,
    ``dynamic`` or ``unknown``."""
    if not path:
        return "unknown"
    parent = path[-1]
    child: cst.CSTNode = node
    depth = len(path) - 1
    # Climb through wrappers that do not change what the string is.
    while (
        isinstance(
            parent, (cst.ConcatenatedString, cst.BinaryOperation, cst.FormattedStringExpression)
        )
        and depth > 0
    ):
        if isinstance(parent, cst.BinaryOperation) and not isinstance(
            parent.operator, (cst.Add, cst.Modulo)
        ):
            break
        child, depth = parent, depth - 1
        parent = path[depth]
    computed = child is not node
    if isinstance(parent, cst.Expr):
        return "docstring"
    if not computed and _in_dunder_all(path):
        return "export"
    if _in_annotation(path):
        return "annotation" if not computed else "unknown"
    if isinstance(parent, cst.Arg) and depth > 0 and isinstance(path[depth - 1], cst.Call):
        kind = _classify_arg(path[depth - 1], parent, analysis)  # type: ignore[arg-type]
        if computed and kind == "module":
            return "dynamic"
        return kind
    if computed:
        return "unknown"
    if isinstance(parent, cst.Index) and depth > 2 and isinstance(path[depth - 2], cst.Subscript):
        subscript = path[depth - 2]
        if _resolve(dotted_name(subscript.value), analysis).endswith("sys.modules"):  # type: ignore[attr-defined]
            return "module"
        return "unknown"
    if isinstance(parent, (cst.ComparisonTarget, cst.Comparison)):
        comparison = parent if isinstance(parent, cst.Comparison) else path[depth - 1]
        return "module" if _identity_comparison(comparison, analysis) else "unknown"  # type: ignore[arg-type]
    if isinstance(parent, cst.DictElement) and parent.key is child and depth > 2:
        return _classify_dict_key(path[:depth], analysis)
    return "unknown"


def _in_dunder_all(path: Path) -> bool:
    """Whether the string is an element of ``__all__ = [...]`` or ``__all__ += (...)``."""
    if len(path) < 3 or not isinstance(path[-1], cst.Element):
        return False
    if not isinstance(path[-2], (cst.List, cst.Tuple, cst.Set)):
        return False
    statement = path[-3]
    if isinstance(statement, cst.Assign):
        targets = [target.target for target in statement.targets]
    elif isinstance(statement, (cst.AugAssign, cst.AnnAssign)):
        targets = [statement.target]
    else:
        return False
    return any(isinstance(target, cst.Name) and target.value == "__all__" for target in targets)


def _in_annotation(path: Path) -> bool:
    for ancestor in reversed(path):
        if isinstance(ancestor, cst.Annotation):
            return True
        if not isinstance(
            ancestor,
            (
                cst.Subscript,
                cst.SubscriptElement,
                cst.Index,
                cst.BinaryOperation,
                cst.Tuple,
                cst.Element,
                cst.List,
                cst.ConcatenatedString,
            ),
        ):
            return False
    return False


def _arg_position(call: cst.Call, arg: cst.Arg) -> tuple[int, str | None]:
    if arg.keyword is not None:
        return -1, arg.keyword.value
    position = 0
    for candidate in call.args:
        if candidate is arg:
            return position, None
        if candidate.keyword is None and not candidate.star:
            position += 1
    return -1, None


def _classify_arg(call: cst.Call, arg: cst.Arg, analysis: Analysis) -> str:
    callee = _resolve(dotted_name(call.func), analysis)
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else callee.rpartition(".")[2]
    position, keyword = _arg_position(call, arg)

    def at(spec: tuple[tuple[int, ...], tuple[str, ...]]) -> bool:
        return position in spec[0] or keyword in spec[1]

    if (
        last in _DISTRIBUTION_FUNCS
        and ("metadata" in callee or "pkg_resources" in callee)
        and position == 0
    ):
        return "distribution"
    if last in ("entry_points", "select", "iter_entry_points") and (
        keyword == "group" or (last == "iter_entry_points" and position == 0)
    ):
        return "entry-point"
    if last in _MODULE_ARGS and at(_MODULE_ARGS[last]):
        if last == "files" and "metadata" in callee:
            return "distribution"
        return "module"
    if last == "files" and position == 0 and "resources" in callee:
        return "module"
    if last == "object" and callee.endswith("patch.object") and position == 0:
        return "module"
    if last in ("setattr", "delattr") and "." in callee and position == 0:
        return "module"  # monkeypatch.setattr("pkg.mod.name", value)
    if last in ("setitem", "delitem") and position == 1 and call.args:
        if _resolve(dotted_name(call.args[0].value), analysis).endswith("sys.modules"):
            return "module"
    if (
        last in _SYS_MODULES_METHODS
        and callee.rpartition(".")[0].endswith("sys.modules")
        and position == 0
    ):
        return "module"
    if last == "startswith" or last == "endswith":
        func = call.func
        if isinstance(func, cst.Attribute) and _is_identity(func.value):
            return "module"
    if last in _ANNOTATION_ARGS and at(_ANNOTATION_ARGS[last]):
        return "type-argument"
    return "unknown"


def _is_identity(node: cst.BaseExpression) -> bool:
    """Whether ``node`` reads a module identity: ``__name__``, ``type(x).__module__``, ..."""
    if isinstance(node, cst.Attribute):
        if node.attr.value == "name" and isinstance(node.value, cst.Attribute):
            return node.value.attr.value == "__spec__"
        return node.attr.value in _IDENTITY_ATTRS
    return isinstance(node, cst.Name) and node.value in _IDENTITY_ATTRS


def _identity_comparison(comparison: cst.Comparison, analysis: Analysis) -> bool:
    operands = [comparison.left, *(target.comparator for target in comparison.comparisons)]
    if any(_is_identity(operand) for operand in operands):
        return True
    for target in comparison.comparisons:
        if isinstance(target.operator, (cst.In, cst.NotIn)):
            if _resolve(dotted_name(target.comparator), analysis).endswith("sys.modules"):
                return True
    return False


def _classify_dict_key(path: Path, analysis: Analysis) -> str:
    """A key of ``{...}`` passed as ``entry_points=`` (setup.py) or to ``patch.dict(sys.modules, ...)``."""
    if len(path) < 3 or not isinstance(path[-1], cst.Dict):
        return "unknown"
    holder = path[-2]
    if isinstance(holder, cst.DictElement) and isinstance(holder.key, cst.SimpleString):
        if holder.key.raw_value == "entry_points":
            return "entry-point"  # setup(**{"entry_points": {...}}) and friends
    arg, call = path[-2], path[-3]
    if not (isinstance(arg, cst.Arg) and isinstance(call, cst.Call)):
        return "unknown"
    if arg.keyword is not None and arg.keyword.value == "entry_points":
        return "entry-point"
    callee = _resolve(dotted_name(call.func), analysis)
    if (
        callee.endswith("patch.dict")
        and call.args
        and _is_sys_modules(call.args[0].value, analysis)
    ):
        return "module"
    return "unknown"


def _is_sys_modules(node: cst.BaseExpression, analysis: Analysis) -> bool:
    """``sys.modules`` (however ``sys`` was imported) or the ``"sys.modules"`` target string of ``patch.dict``."""
    if isinstance(node, cst.SimpleString):
        return node.raw_value == "sys.modules"
    return _resolve(dotted_name(node), analysis).endswith("sys.modules")


__all__ = ["classify", "plan_strings"]
