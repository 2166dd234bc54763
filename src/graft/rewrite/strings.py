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

from .code import CodeFinding, Engine, rewrite_code
from .distribution import normalize
from .docstrings import docstring_edits
from .literals import Edit, Literal, read_literal, rebuild
from .scopes import Analysis, StringUse
from .syntax import Path, dotted_name, is_in_annotation

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
    "find_modules": ((0,), ("import_path",)),
    "add_extension": ((0,), ("extension",)),
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
    {
        "version", "metadata", "distribution", "requires", "files", "get_distribution",
        "require", "from_name",
    }
)  # fmt: skip
_UNANSWERED = frozenset({"files"})
"""Lookups a vendored package cannot answer: nothing of it is installed."""
_IDENTITY_ATTRS = frozenset({"__name__", "__module__", "__package__"})


def plan_strings(
    analysis: Analysis,
    renames: Renames,
    options: RewriteOptions,
    edits: Edits,
    known_modules: t.AbstractSet[str] = frozenset(),
    *,
    engine: Engine,
) -> None:
    """Rename or report every string in ``analysis`` that names a renamed module.

    ``known_modules`` (dotted names of the modules being rewritten) tells which static
    prefixes of computed names are modules of the renamed tree, and serves the
    ``unknown_strings="rename-known"`` policy. ``engine`` rewrites code held in a
    string (:func:`graft.rewrite.code.rewrite_code`).
    """
    explained: set[int] = set()
    blocked = _blocked_modules(analysis)
    done: set[int] = set()
    for use in analysis.strings:
        expression, depth = _literal_expression(use)
        if id(expression) in done or _replaced(use, edits):
            continue
        before = len(edits.findings)
        computed = False
        if expression is not use.node or not _is_bare(use.node):
            if _plan_literal(
                expression,
                use.path[:depth],
                use,
                renames,
                options,
                analysis,
                edits,
                known_modules,
                engine,
            ):
                done.add(id(expression))
                continue
        if isinstance(use.node, cst.FormattedString):
            computed = _plan_fstring(use, renames, analysis, edits, known_modules)
        else:
            computed = _plan_string(use, renames, options, analysis, edits, known_modules, blocked)
        if computed or any(kind == "dynamic-import" for _, kind, _, _ in edits.findings[before:]):
            explained.update(id(node) for node in use.path)
    for call in analysis.calls:
        if id(call.node) not in explained:
            edits.report(
                call.node,
                "dynamic-import",
                f"{call.func}() with a computed module name cannot be renamed; left as is, it "
                "may import the original package; check it by hand",
            )


def _replaced(use: StringUse, edits: Edits) -> bool:
    """Whether an earlier pass (commands) already rewrote or reported this string or its list item."""
    return (
        id(use.node) in edits.replacements
        or id(use.node) in edits.settled
        or bool(use.path and id(use.path[-1]) in edits.replacements)
    )


def _literal_expression(use: StringUse) -> tuple[cst.BaseExpression, int]:
    """The whole literal a string belongs to (an implicit concatenation), and its depth in the path."""
    node: cst.CSTNode = use.node
    depth = len(use.path)
    while depth > 0 and isinstance(use.path[depth - 1], cst.ConcatenatedString):
        depth -= 1
        node = use.path[depth]
    return t.cast(cst.BaseExpression, node), depth


def _is_bare(node: cst.SimpleString | cst.FormattedString) -> bool:
    """A plain literal whose whole value is a dotted path: the module-path rules decide."""
    if not isinstance(node, cst.SimpleString):
        return False
    parts = _split_literal(node)
    return parts is not None and _PATH.fullmatch(parts[1]) is not None


_MESSAGE_CALLS = frozenset(
    {"print", "echo", "secho", "debug", "info", "warning", "warn", "error", "exception",
     "critical", "log", "fail", "skip", "xfail", "exit", "abort", "flash"}
)  # fmt: skip
"""Calls whose text argument is a message for people: code in it is quoted, not run."""


def _is_message(path: Path) -> bool:
    """Whether the literal at the end of ``path`` is (part of) a message: printed, logged, raised."""
    depth = len(path)
    while depth > 0 and isinstance(
        path[depth - 1],
        (cst.BinaryOperation, cst.ConcatenatedString, cst.FormattedStringExpression),
    ):
        depth -= 1
    if depth < 2 or not isinstance(path[depth - 1], cst.Arg):
        return False
    call = path[depth - 2]
    if not isinstance(call, cst.Call):
        return False
    func = call.func
    name = (
        func.attr.value
        if isinstance(func, cst.Attribute)
        else func.value
        if isinstance(func, cst.Name)
        else ""
    )
    return name in _MESSAGE_CALLS or name.endswith(("Error", "Exception", "Warning"))


def _plan_literal(
    expression: cst.BaseExpression,
    path: Path,
    use: StringUse,
    renames: Renames,
    options: RewriteOptions,
    analysis: Analysis,
    edits: Edits,
    known_modules: t.AbstractSet[str],
    engine: Engine,
) -> bool:
    """Rename the code a literal holds (or a docstring's code); True if the literal was settled here."""
    context = classify(use.path, use.node, analysis)
    if context == "docstring":
        if options.docstrings != "code" or not isinstance(expression, cst.SimpleString):
            return False
        literal = read_literal(expression)
        if literal is None:
            return True
        changes, findings = docstring_edits(
            literal.text, renames, options, known_modules, engine=engine
        )
        _apply(literal, path, changes, findings, edits, "a docstring")
        return True
    if context in ("export", "annotation", "type-argument", "module"):
        return False
    literal = read_literal(expression)
    if literal is None or _PATH.fullmatch(literal.text):
        return False
    result = rewrite_code(literal.text, renames, options, known_modules, engine=engine)
    if result is None:
        return _plan_reprs(literal, path, renames, edits, known_modules)
    if _is_message(path):
        edits.report(
            use.node,
            "string",
            "a message quotes code that names the old package; left unchanged (it is shown, not run)",
        )
        return True
    _apply(literal, path, list(result.edits), list(result.findings), edits, "a string")
    return True


_REPR = re.compile(
    rf"<(?:class|module|function|enum|built-in function|object|type) '?({_IDENT}(?:\.{_IDENT})+)"
)
"""The module-qualified name in a repr: ``<class 'flask.app.Flask'>``, ``<module 'flask.json'``."""


_ESCAPED_PATH = re.compile(rf"(?<![\w\\]){_IDENT}(?:\\\.{_IDENT})+")
"""``jinja2\\.exceptions\\.TemplateSyntaxError`` in a regular expression: a dotted path, dots escaped."""


def _plan_reprs(
    literal: Literal,
    path: Path,
    renames: Renames,
    edits: Edits,
    known_modules: t.AbstractSet[str] = frozenset(),
) -> bool:
    """Rename module paths in reprs and patterns a string expects.

    After the rename, objects print with the new module (``"<class 'bottle.HTTPError'>"``)
    and tracebacks name it (a regular expression ``jinja2\\.exceptions\\.`` matched against
    one); a test comparing output with the old name fails. A pattern's path is renamed
    only where its module is one of the renamed tree. True if the literal held any.
    """
    changes: list[Edit] = []
    for match in _REPR.finditer(literal.text):
        dotted = match.group(1)
        new = renames.rename(dotted)
        if new != dotted:
            changes.append((match.start(1), match.end(1), new))
    for match in _ESCAPED_PATH.finditer(literal.text):
        dotted = match.group(0).replace("\\.", ".")
        parts = dotted.split(".")
        module = next(
            (
                ".".join(parts[:n])
                for n in range(len(parts), 1, -1)
                if _is_module(".".join(parts[:n]), renames, known_modules)
            ),
            None,
        )
        new = renames.rename(dotted)
        tail = dotted[len(parts[0]) :]
        if module is None or new == dotted or not new.endswith(tail):
            continue
        # Only the head changes (jinja2 -> myjinja): the escaped dots stay as written.
        changes.append((match.start(), match.start() + len(parts[0]), new[: len(new) - len(tail)]))
    if not changes:
        return False
    _apply(literal, path, changes, [], edits, "a repr")
    return True


def _apply(
    literal: Literal,
    path: Path,
    changes: list[Edit],
    findings: list[CodeFinding],
    edits: Edits,
    where: str,
) -> None:
    """Write value edits back into the literal's source, or report why they cannot be."""
    for finding in findings:
        anchor, below = _locate(literal, finding.offset)
        edits.report(anchor, finding.kind, finding.message, below)
    if not changes:
        return
    mapped = literal.map_edits(changes)
    if mapped is None:
        anchor, below = _locate(literal, changes[0][0])
        edits.report(
            anchor,
            "string",
            f"code in {where} names the old package where the literal spells it with escapes"
            " or across parts; left unchanged: rename it by hand, or it imports the original",
            below,
        )
        return
    for piece, raw in mapped.values():
        edits.replace(piece.node, rebuild(piece, raw), (*path, *piece.path_suffix))


def _locate(literal: Literal, offset: int) -> tuple[cst.CSTNode, int]:
    """The node and line (below its first) holding character ``offset`` of a literal's value."""
    chosen = literal.pieces[0] if literal.pieces else None
    for piece in literal.pieces:
        if piece.offset <= offset:
            chosen = piece
    if chosen is None:
        return literal.node, 0
    local = min(max(offset - chosen.offset, 0), len(chosen.value))
    raw_at = chosen.starts[local] if local < len(chosen.starts) else len(chosen.raw)
    return chosen.node, chosen.raw.count("\n", 0, raw_at)


def _split_literal(node: cst.SimpleString) -> tuple[str, str, str] | None:
    """(opening, body, closing) of a text literal; None for bytes."""
    prefix, quote = node.prefix, node.quote
    if "b" in prefix.lower():
        return None
    opening = node.value[: len(prefix) + len(quote)]
    return opening, node.value[len(opening) : len(node.value) - len(quote)], quote


def _is_module(dotted: str, renames: Renames, known_modules: t.AbstractSet[str]) -> bool:
    """Whether ``dotted`` is a module of the tree (known by its old or its new name)."""
    return dotted in known_modules or renames.rename(dotted) in known_modules


def _is_known(
    dotted: str, dot: str, attr: str, known_modules: t.AbstractSet[str], renames: Renames
) -> bool:
    """A ``pkg.mod`` or ``pkg.mod.Attr`` string naming a module of the rewritten tree."""
    if dot or attr or "." not in dotted:
        return False
    parent = dotted.rpartition(".")[0]
    # "pkg.server" is more often a logger or a key than an attribute of the package.
    return _is_module(dotted, renames, known_modules) or (
        "." in parent and _is_module(parent, renames, known_modules)
    )


def _plan_string(
    use: StringUse,
    renames: Renames,
    options: RewriteOptions,
    analysis: Analysis,
    edits: Edits,
    known_modules: t.AbstractSet[str] = frozenset(),
    blocked: t.AbstractSet[str] = frozenset(),
) -> bool:
    """Rename or report one plain literal; True if it is the static part of a computed module name."""
    node = use.node
    assert isinstance(node, cst.SimpleString)
    parts = _split_literal(node)
    if parts is None:
        return False
    opening, body, closing = parts
    context = classify(use.path, node, analysis)
    if context == "docstring":
        if options.docstrings == "all":
            new_body = _substitute(body, renames)
            if new_body != body:
                edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
        return False
    if context == "export":
        # __all__ names what the module binds; follow the names the imports renamed.
        new_name = analysis.renamed_locals.get(body)
        if new_name is not None:
            edits.replace(node, node.with_changes(value=opening + new_name + closing), use.path)
            return False
    if context in ("annotation", "type-argument"):
        # Forward references are evaluated in the module's namespace, so they follow
        # both module paths and the names the imports bound (``"Flask"`` -> ``"Vial"``).
        new_body = _substitute(body, renames, analysis.renamed_locals)
        if new_body != body:
            edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
        return False
    if context == "distribution":
        _plan_distribution(node, use.path, body, opening, closing, renames, options, edits)
        return False
    prefix = _PREFIX.fullmatch(body)
    if prefix is not None and renames.matches(prefix.group(1)):
        # "flask." + name, "flask.%s" % name: the static part of a computed module name.
        moved = _plan_prefix(
            node, use.path, prefix.group(1), context in ("module", "dynamic"),
            opening, body, closing, renames, edits, known_modules,
        )  # fmt: skip
        return moved or context in ("module", "dynamic")
    match = _PATH.fullmatch(body)
    if match is None:
        spec = _ENTRY_POINT_SPEC.fullmatch(body)
        if spec is not None and renames.matches(spec.group(1)):
            edits.report(
                node,
                "entry-point",
                f"entry-point definition {body!r} names {spec.group(1)}; update the packaging metadata by hand",
            )
        return False
    dotted, dot, attr = match.groups()
    new_dotted = renames.rename(dotted)
    if new_dotted == dotted:
        return False
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
            return False
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
    elif context == "dynamic":
        edits.report(
            node,
            "dynamic-import",
            f"{shown} is part of a computed module name; left as is, it may import the original"
            " package: check it by hand",
        )
    elif options.unknown_strings == "rename-known" and _is_known(
        dotted, dot, attr, known_modules, renames
    ):
        edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
    elif (
        options.unknown_strings != "keep"
        and not dot
        and not attr
        and "." in dotted
        and _is_module(dotted, renames, known_modules)
    ):
        # The whole value is a submodule the renamed tree has ("werkzeug.debug.console"):
        # a module path wherever it stands (an expected find_modules() result, an exports
        # tuple built by a helper); environ keys and logger names are not modules.
        edits.replace(node, node.with_changes(value=opening + new_body + closing), use.path)
    elif options.unknown_strings != "keep":
        edits.report(
            node,
            "string",
            f"{shown} looks like a module path but is not used as one here; left unchanged",
        )
    return False


def _plan_distribution(
    node: cst.SimpleString,
    path: Path,
    body: str,
    opening: str,
    closing: str,
    renames: Renames,
    options: RewriteOptions,
    edits: Edits,
) -> None:
    """A lookup by distribution name: point it at the name the new package answers for.

    The options say which distributions that is (``flask`` -> ``vial``, ``attrs`` ->
    ``myattr``; :mod:`graft.rewrite.distribution`); any other lookup of a renamed
    package's distribution is reported, since nothing answers it once the original is
    uninstalled (and while it is installed, it answers for the original).
    """
    new = dict(options.distribution_names).get(normalize(body))
    call = path[-2] if len(path) >= 2 and isinstance(path[-2], cst.Call) else None
    func = call.func if call is not None else None
    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    if new is None:
        named = normalize(body) in {normalize(root) for root in renames.roots}
        if (named or renames.matches(body)) and options.distributions == "report":
            edits.report(
                node,
                "distribution",
                f"distribution name {body!r} kept: nothing answers it for the new package once"
                f" {body} is uninstalled, and while it is installed it answers for the original"
                " (a fork made with graft fork answers for its own name)",
            )
        return
    if new != body:
        edits.replace(node, node.with_changes(value=opening + new + closing), path)
    if last in _UNANSWERED:
        edits.report(
            node,
            "distribution",
            f"{last}({new!r}) gives None: {new} is not installed, so it has no files to list",
        )


_PREFIX = re.compile(rf"({_IDENT}(?:\.{_IDENT})*)\.(?:%[sr]|\{{\w*\}})?")
"""``flask.`` or ``flask.%s`` / ``flask.{}``: a module path's static head, the rest computed."""


def _prefix_is_safe(prefix: str, renames: Renames) -> bool:
    """Whether every module under ``prefix`` renames the way ``prefix`` does.

    A deeper module map (``flask.json=myflask.codec``) makes the computed tail decide
    the new name, so the prefix alone cannot be renamed. Symbol maps (a class, a
    dunder) are not modules a computed name reaches, and do not count.
    """
    new = renames.rename(prefix)
    for key, value in renames:
        if key.startswith(prefix + "."):
            last = key.rpartition(".")[2]
            if last[:1].isupper() or last.startswith("__"):
                continue
            if value != new + key[len(prefix) :]:
                return False
    return True


def _plan_prefix(
    node: cst.SimpleString | cst.FormattedStringText,
    path: Path,
    prefix: str,
    module_position: bool,
    opening: str,
    body: str,
    closing: str,
    renames: Renames,
    edits: Edits,
    known_modules: t.AbstractSet[str],
    anchor: cst.CSTNode | None = None,
) -> bool:
    """Rename the static head of a computed module name, or say what fails if it stays.

    In a module position (``import_module(...)``, ``sys.modules[...]``) the head is a
    module path by definition; elsewhere (an assignment, a list) only when it names a
    module of the tree being rewritten. True if renamed.
    """
    new = renames.rename(prefix)
    known = prefix in known_modules or new in known_modules
    root = prefix.partition(".")[0]
    if (module_position or known) and _prefix_is_safe(prefix, renames):
        new_body = new + body[len(prefix) :]
        edits.replace(node, node.with_changes(value=opening + new_body + closing), path)
        return True
    why = (
        "a deeper map renames some modules under it differently"
        if module_position or known
        else f"nothing says it is a module name ({prefix} is not a module of the renamed tree here)"
    )
    edits.report(
        anchor or node,
        "dynamic-import",
        f"a name computed under {prefix}. is left as is ({why}); if it is imported, it loads the "
        f"original {root} (ModuleNotFoundError once {root} is uninstalled, a second copy while it is "
        "installed)",
    )
    return False


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


_LABELS = {"getLogger": "logger", "ContextVar": "context variable"}
"""Callables of :data:`_MODULE_ARGS` whose argument only names something after a module:
renamed with the package when static, and never imported."""


def _label_of(path: Path, analysis: Analysis) -> str | None:
    """What a string passed straight to a naming-only callable names (``logger``), or None."""
    if len(path) < 2 or not isinstance(path[-1], cst.Arg) or not isinstance(path[-2], cst.Call):
        return None
    callee = _resolve(dotted_name(path[-2].func), analysis)
    return _LABELS.get(callee.rpartition(".")[2])


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


def _plan_fstring(
    use: StringUse,
    renames: Renames,
    analysis: Analysis,
    edits: Edits,
    known_modules: t.AbstractSet[str],
) -> bool:
    """An f-string naming the package: rename a static module-path head, report the rest."""
    node = use.node
    assert isinstance(node, cst.FormattedString)
    roots = renames.roots
    first = node.parts[0] if node.parts else None
    context = classify(use.path, node, analysis)
    module_position = context in ("module", "dynamic")
    if (
        isinstance(first, cst.FormattedStringText)
        and len(node.parts) > 1
        and "\\" not in first.value
        and (head := _PREFIX.fullmatch(first.value)) is not None
        and first.value.endswith(".")
        and renames.matches(head.group(1))
    ):
        moved = _plan_prefix(
            first, (*use.path, node), head.group(1), module_position, "", first.value, "",
            renames, edits, known_modules, anchor=node,
        )  # fmt: skip
        return moved or module_position
    text = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
    pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, sorted(roots))) + r")(?:\.|$)")
    starts = isinstance(first, cst.FormattedStringText) and pattern.match(first.value) is not None
    label = _label_of(use.path, analysis) if module_position else None
    if label is not None:
        edits.report(
            node,
            "string",
            f"a {label} name built with an f-string keeps the old package's name; left"
            " unchanged (a name, not an import: it no longer follows the package's name)",
        )
    elif module_position and (starts or pattern.search(text)):
        edits.report(
            node,
            "dynamic-import",
            "a module name built with an f-string cannot be renamed; left as is, it may import"
            " the original package: check it by hand",
        )
    elif module_position:
        # Its literal parts name no old package: computed like any other module name.
        edits.report(
            node,
            "dynamic-import",
            "an f-string with a computed module name cannot be renamed; left as is, it may import"
            " the original package: check it by hand",
        )
    elif starts or pattern.search(text) and _PATH.fullmatch(text.strip(".")):
        edits.report(
            node, "string", "an f-string builds what looks like a module path; left unchanged"
        )
    return False


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
    if is_in_annotation(path):
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
    if isinstance(parent, cst.Element) and depth > 1:
        return _classify_element(path[: depth + 1], child, analysis)
    return "unknown"


_MODULE_LISTS = frozenset({"extensions"})
"""Keywords (and ``jinja_options`` keys) whose list holds import paths: Jinja's ``extensions``."""


def _classify_element(path: Path, child: cst.CSTNode, analysis: Analysis) -> str:
    """An item of a list, tuple or set: import paths handed to a loader, or ``-m`` in an argv."""
    container = path[-2]
    if not isinstance(container, (cst.List, cst.Tuple, cst.Set)):
        return "unknown"
    elements = list(container.elements)
    index = next((i for i, e in enumerate(elements) if e is path[-1]), -1)
    if index > 0:
        previous = elements[index - 1].value
        if isinstance(previous, cst.SimpleString) and previous.raw_value == "-m":
            return "module"  # [sys.executable, "-m", "flask", ...]
    if len(path) < 3:
        return "unknown"
    holder = path[-3]
    if isinstance(holder, cst.Arg) and holder.keyword is not None:
        return "module" if holder.keyword.value in _MODULE_LISTS else "unknown"
    if isinstance(holder, cst.DictElement) and isinstance(holder.key, cst.SimpleString):
        if holder.key.raw_value in _MODULE_LISTS and holder.value is container:
            return "module"  # jinja_options = {"extensions": [...]}
    if (
        isinstance(container, cst.Tuple)
        and index == 0
        and isinstance(holder, cst.DictElement)
        and holder.value is container
        and len(path) >= 6
        and isinstance(path[-4], cst.Dict)
        and isinstance(path[-5], cst.Arg)
        and isinstance(path[-6], cst.Call)
    ):
        # SharedDataMiddleware(app, {"/static": ("package", "folder")}): a package to read from.
        callee = _resolve(dotted_name(path[-6].func), analysis)
        arg = path[-5]
        if callee.rpartition(".")[2] == "SharedDataMiddleware" and (
            (arg.keyword is not None and arg.keyword.value == "exports")
            or _arg_position(path[-6], arg)[0] == 1
        ):
            return "module"
    del child
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
