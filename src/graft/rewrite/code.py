"""Python code held as text: a string's value, a doctest, a code block, a template.

Real code carries its import name inside strings: a test writes ``"import flask\\n"``
to a module file, jinja2's compiler emits ``"from jinja2.runtime import " + names``,
attrs generates ``"__import__('attr._make')"``, a subprocess runs ``python -c "import
click"``. :func:`rewrite_code` decides whether a text is such code and what its
renamed form is, in two tiers:

1. The text parses as Python (and is more than a bare name or dotted path, which the
   module-path rules of :mod:`graft.rewrite.strings` handle): the whole engine
   rewrites it, with scopes, aliases and symbol maps, exactly as it would a file; a
   use of the old package the text does not import (``"flask.Flask()"`` evaluated
   where ``flask`` is bound elsewhere) cannot be settled and is reported.
2. It does not parse, but reads as Python tokens with an import statement at the
   start of a statement (``"from jinja2.runtime import "``, ``"import flask\\napp =
   flask.Flask(%r)"``): the imported module paths are renamed, and so are the names
   and attribute chains those imports bind within the text; ``__import__('...')`` and
   ``import_module('...')`` with a literal argument are renamed too.

Anything else (prose, log text, a sentence that merely contains "import") is not
code, and the caller's rules apply. The result is a list of edits on the text, so
the caller can write them back into the literal's source (:mod:`graft.rewrite.literals`).
"""

from __future__ import annotations

import ast
import difflib
import io
import keyword
import re
import tokenize
import typing as t
from dataclasses import dataclass

from .literals import Edit

if t.TYPE_CHECKING:
    from .names import Renames
    from .options import RewriteOptions
    from .result import RewriteResult

MAX_DEPTH = 3
"""Code in a string in code in a string ...: deeper than this is left to the report."""
_depth = 0

_END = frozenset({tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.COMMENT})
_STATEMENT_BREAK = frozenset({tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT})
_LOADERS = frozenset({"__import__", "import_module"})
_HINT = re.compile(r"(?<![\w.])(?:import|from)\s|__import__|import_module|[(\n=;]")
"""Cheap test before parsing: code that can name a package has one of these."""


class Engine(t.Protocol):
    """The whole engine (:func:`graft.rewrite.source.rewrite_source`), for code inside code.

    The caller hands it in: the engine calls this module for its string literals, so
    this module importing the engine would make the two import each other.
    """

    def __call__(
        self,
        code: str,
        renames: Renames,
        *,
        options: RewriteOptions | None = None,
        known_modules: t.AbstractSet[str] = frozenset(),
    ) -> RewriteResult[str]: ...


@dataclass(frozen=True)
class CodeFinding:
    """A finding inside the text, at a character offset of it."""

    offset: int
    kind: str
    message: str


@dataclass(frozen=True)
class CodeResult:
    """What :func:`rewrite_code` made of a text recognised as code."""

    edits: tuple[Edit, ...]
    """Changes of the text, in order, not overlapping."""
    findings: tuple[CodeFinding, ...]
    parsed: bool
    """Whether the text parsed as Python (tier 1), not only as tokens (tier 2)."""


def rewrite_code(
    text: str,
    renames: Renames,
    options: RewriteOptions,
    known_modules: t.AbstractSet[str] = frozenset(),
    *,
    engine: Engine,
    fragments: bool = True,
) -> CodeResult | None:
    """The renaming of ``text`` if it is Python code naming an old package, else None.

    ``engine`` rewrites a text that parses (tier 1). ``fragments`` allows tier 2
    (token-level import fragments); a caller that knows the text is a whole program (a
    template) may still allow it, since a template's markup keeps it from parsing.
    """
    if not renames.mentions(text) or _HINT.search(text) is None:
        return None
    tree = _parse(text)
    if tree is not None:
        if _is_bare(tree):
            return None
        return _rewrite_parsed(text, tree, renames, options, known_modules, engine)
    if not fragments:
        return None
    return _rewrite_fragment(text, renames)


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _is_bare(tree: ast.Module) -> bool:
    """A lone name, dotted path, constant or simple operation on names: data, not code."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return False
    value = tree.body[0].value
    return all(
        isinstance(node, (ast.Name, ast.Attribute, ast.Constant, ast.BoolOp, ast.BinOp,
                          ast.UnaryOp, ast.Compare, ast.Load, ast.boolop, ast.operator,
                          ast.unaryop, ast.cmpop))
        for node in ast.walk(value)
    )  # fmt: skip


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _rewrite_parsed(
    text: str,
    tree: ast.Module,
    renames: Renames,
    options: RewriteOptions,
    known_modules: t.AbstractSet[str],
    engine: Engine,
) -> CodeResult | None:
    global _depth
    if _depth >= MAX_DEPTH:
        return None
    _depth += 1
    try:
        inner = engine(text, renames, options=options, known_modules=known_modules)
    finally:
        _depth -= 1
    if inner.status == "failed":
        return None
    lines = _line_offsets(text)
    findings = [
        CodeFinding(
            lines[min(max(f.line, 1), len(lines)) - 1],
            f.kind,
            f.message if f.message.startswith("in code") else f"in code in a string: {f.message}",
        )
        for f in inner.findings
    ]
    edits: tuple[Edit, ...] = ()
    if inner.status == "changed":
        found = token_edits(text, inner.code)
        if found is None:
            return None
        edits = tuple(found)
    else:
        findings.extend(_unbound_uses(tree, renames, lines))
    if not edits and not findings:
        return None
    return CodeResult(edits, tuple(findings), True)


def _unbound_uses(tree: ast.Module, renames: Renames, lines: list[int]) -> list[CodeFinding]:
    """``flask.Flask()`` in code that does not import ``flask``: bound where it runs, if at all."""
    roots = renames.roots
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in roots and renames.matches(f"{node.value.id}.{node.attr}"):
                offset = lines[node.lineno - 1] + node.col_offset
                found.append(
                    CodeFinding(
                        offset,
                        "string",
                        f"code in a string uses {node.value.id}.{node.attr} without importing "
                        f"{node.value.id}; left unchanged: where it runs, it reaches the old package",
                    )
                )
    return found


# -- edits from two versions of a text ----------------------------------------------


def _tokens(text: str) -> list[tuple[int, str, int, int]] | None:
    """(type, string, start offset, end offset) of each token, or None if it does not tokenize."""
    lines = _line_offsets(text)
    out: list[tuple[int, str, int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.ENDMARKER:
                break
            start = (
                lines[tok.start[0] - 1] + tok.start[1] if tok.start[0] <= len(lines) else len(text)
            )
            end = lines[tok.end[0] - 1] + tok.end[1] if tok.end[0] <= len(lines) else len(text)
            out.append((tok.type, tok.string, start, end))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return out if out else None
    return out


def token_edits(old: str, new: str) -> list[Edit] | None:
    """The smallest edits that turn ``old`` into ``new``, aligned on Python tokens.

    The engine changes only name tokens (and inserts ``as`` aliases), so aligning the
    two token sequences finds each change exactly; within a changed token the common
    prefix and suffix are kept, so ``'attr._make'`` becomes an insertion of ``_fork``.
    """
    before, after = _tokens(old), _tokens(new)
    if before is None or after is None:
        return None
    keys_a = [(kind, string) for kind, string, _, _ in before]
    keys_b = [(kind, string) for kind, string, _, _ in after]
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if i1 < i2:
            start, end = before[i1][2], before[i2 - 1][3]
            replacement = new[after[j1][2] : after[j2 - 1][3]] if j1 < j2 else ""
        elif i1 < len(before):
            # An insertion between two tokens replaces the space between them with the new
            # text's: anchored on one side only, the old space would stay on the other
            # (``import flask`` -> ``import my. flask``).
            start = before[i1 - 1][3] if i1 > 0 else 0
            end = before[i1][2]
            new_start = after[j1 - 1][3] if j1 > 0 else 0
            replacement = new[new_start : after[j2][2]]
        else:
            start = end = before[i1 - 1][3] if i1 > 0 else 0
            new_start = after[j1 - 1][3] if j1 > 0 else 0
            replacement = new[new_start : after[j2 - 1][3]]
        edits.append(_trim(old, start, end, replacement))
    return edits


def _trim(text: str, start: int, end: int, new: str) -> Edit:
    """The edit with the characters it keeps at either end taken off."""
    old = text[start:end]
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < len(old) - head and tail < len(new) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return start + head, end - tail, new[head : len(new) - tail]


# -- tier 2: import fragments --------------------------------------------------------


@dataclass
class _Bound:
    old: str
    new: str
    new_local: str


def line_tokens(text: str) -> list[tuple[int, str, int, int]]:
    """The tokens of each line on its own, as one sequence: for text that is Python line by
    line but not as a whole (a template whose markup was blanked out). A line that does not
    tokenize (the middle of a string) contributes what it has up to the error."""
    out: list[tuple[int, str, int, int]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        found = _tokens(stripped) or []
        for kind, string, start, end in found:
            if kind in (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE, tokenize.NL):
                continue
            out.append((kind, string, offset + indent + start, offset + indent + end))
        out.append((tokenize.NEWLINE, "\n", offset + len(line), offset + len(line)))
        offset += len(line)
    return out


def rewrite_fragments(
    text: str, renames: Renames, tokens: list[tuple[int, str, int, int]] | None = None
) -> CodeResult | None:
    """Tier 2 alone, on ``text`` or on tokens already made of it (:func:`line_tokens`)."""
    return _rewrite_fragment(text, renames, tokens)


def _rewrite_fragment(
    text: str, renames: Renames, tokens: list[tuple[int, str, int, int]] | None = None
) -> CodeResult | None:
    if tokens is None:
        tokens = _tokens(text)
    if not tokens:
        return None
    significant = [tok for tok in tokens if tok[0] != tokenize.COMMENT]
    edits: list[Edit] = []
    findings: list[CodeFinding] = []
    bound: dict[str, _Bound] = {}
    found_import = False
    inside_imports: set[int] = set()
    i = 0
    n = len(significant)
    while i < n:
        kind, string, start, _ = significant[i]
        at_statement = (
            i == 0
            or significant[i - 1][0] in _STATEMENT_BREAK
            or (significant[i - 1][0] == tokenize.OP and significant[i - 1][1] in (";", ":"))
        )
        if at_statement and kind == tokenize.NAME and string in ("import", "from"):
            parsed = (
                _import_clause(significant, i + 1, renames, bound, edits)
                if string == "import"
                else _from_clause(significant, i + 1, renames, bound, edits, findings)
            )
            if parsed is not None:
                found_import = found_import or parsed[1]
                inside_imports.update(range(i, parsed[0]))
                i = parsed[0]
                continue
        if (
            kind == tokenize.NAME
            and string in _LOADERS
            and i + 2 < n
            and significant[i + 1][1] == "("
            and significant[i + 2][0] == tokenize.STRING
        ):
            edit = _string_token_edit(significant[i + 2], renames)
            if edit is not None:
                edits.append(edit)
                found_import = True
        i += 1
    if not found_import:
        return None
    # Names and chains the text's own imports bound.
    for index, (kind, string, _, _) in enumerate(significant):
        if kind != tokenize.NAME or string not in bound or index in inside_imports:
            continue
        if index > 0 and significant[index - 1][1] == ".":
            continue
        parts, last = [string], index
        while (
            last + 2 < n
            and significant[last + 1][1] == "."
            and significant[last + 2][0] == tokenize.NAME
        ):
            parts.append(significant[last + 2][1])
            last += 2
        change = _chain_edit(text, significant[index : last + 1], parts, bound[string], renames)
        if isinstance(change, CodeFinding):
            findings.append(change)
        elif change is not None:
            edits.append(change)
    edits = sorted(set(edits))
    if not edits and not findings:
        return None
    return CodeResult(tuple(edits), tuple(findings), False)


def _dotted(tokens: list[tuple[int, str, int, int]], i: int) -> tuple[list[int], int]:
    """Indexes of the name tokens of a dotted name starting at ``i``, and the index after it."""
    names: list[int] = []
    if i >= len(tokens) or tokens[i][0] != tokenize.NAME or keyword.iskeyword(tokens[i][1]):
        return names, i
    names.append(i)
    i += 1
    while i + 1 < len(tokens) and tokens[i][1] == "." and tokens[i + 1][0] == tokenize.NAME:
        names.append(i + 1)
        i += 2
    return names, i


def _respell(
    tokens: list[tuple[int, str, int, int]], indexes: list[int], new: str
) -> list[Edit] | None:
    """Edits that make the dotted name at ``indexes`` read ``new``."""
    old_parts = [tokens[k][1] for k in indexes]
    new_parts = new.split(".")
    if old_parts == new_parts:
        return []
    if len(old_parts) == len(new_parts):
        return [
            (tokens[k][2], tokens[k][3], part)
            for k, part in zip(indexes, new_parts)
            if tokens[k][1] != part
        ]
    start, end = tokens[indexes[0]][2], tokens[indexes[-1]][3]
    # Different lengths: only a chain written without spaces can be respelled whole.
    if end - start != len(".".join(old_parts)):
        return None
    return [(start, end, new)]


def _import_clause(
    tokens: list[tuple[int, str, int, int]],
    i: int,
    renames: Renames,
    bound: dict[str, _Bound],
    edits: list[Edit],
) -> tuple[int, bool] | None:
    """``import a.b [as c], d``: rename the module paths; None if it is not an import."""
    planned: list[Edit] = []
    found = False
    local: dict[str, _Bound] = {}
    while True:
        names, after = _dotted(tokens, i)
        if not names:
            return None
        dotted = ".".join(tokens[k][1] for k in names)
        new = renames.rename(dotted)
        alias = None
        if (
            after + 1 < len(tokens)
            and tokens[after][1] == "as"
            and tokens[after + 1][0] == tokenize.NAME
        ):
            alias = tokens[after + 1][1]
            after += 2
        if new != dotted:
            respelled = _respell(tokens, names, new)
            if respelled is None:
                return None
            planned.extend(respelled)
            found = True
            if alias is None:
                head, new_head = dotted.partition(".")[0], new.partition(".")[0]
                local[head] = _Bound(head, new_head, new_head)
            else:
                local[alias] = _Bound(dotted, new, alias)
        i = after
        if i < len(tokens) and tokens[i][1] == ",":
            i += 1
            if i >= len(tokens) or tokens[i][0] in _END:
                break
            continue
        break
    if i < len(tokens) and not (tokens[i][0] in _END or tokens[i][1] == ";"):
        return None  # "import flask to get started": prose
    edits.extend(planned)
    bound.update(local)
    return i, found


def _from_clause(
    tokens: list[tuple[int, str, int, int]],
    i: int,
    renames: Renames,
    bound: dict[str, _Bound],
    edits: list[Edit],
    findings: list[CodeFinding],
) -> tuple[int, bool] | None:
    """``from a.b import c [as d], e``: rename the module and the names a symbol map moves."""
    names, after = _dotted(tokens, i)
    if not names or after >= len(tokens) or tokens[after][1] != "import":
        return None
    module = ".".join(tokens[k][1] for k in names)
    new_module = renames.rename(module)
    planned: list[Edit] = []
    found = False
    if new_module != module:
        respelled = _respell(tokens, names, new_module)
        if respelled is None:
            return None
        planned.extend(respelled)
        found = True
    i = after + 1
    if i < len(tokens) and tokens[i][1] == "(":
        i += 1
    while i < len(tokens) and tokens[i][0] == tokenize.NAME and not keyword.iskeyword(tokens[i][1]):
        name_index = i
        name = tokens[i][1]
        i += 1
        alias = None
        if i + 1 < len(tokens) and tokens[i][1] == "as" and tokens[i + 1][0] == tokenize.NAME:
            alias = tokens[i + 1][1]
            i += 2
        old_q, new_q = f"{module}.{name}", renames.rename(f"{module}.{name}")
        target_module, _, new_name = new_q.rpartition(".")
        if new_q != old_q and target_module == new_module:
            if new_name != name:
                planned.append((tokens[name_index][2], tokens[name_index][3], new_name))
            found = True
            local = alias or name
            bound[local] = _Bound(old_q, new_q, alias or new_name)
        elif new_q != old_q:
            findings.append(
                CodeFinding(
                    tokens[name_index][2],
                    "string",
                    f"code in a string imports {name} from {module}, which moves to {new_q}; "
                    "left unchanged: split the import by hand",
                )
            )
        if i < len(tokens) and tokens[i][1] == ",":
            i += 1
            continue
        break
    edits.extend(planned)
    return i, found


def _chain_edit(
    text: str,
    chain: list[tuple[int, str, int, int]],
    parts: list[str],
    binding: _Bound,
    renames: Renames,
) -> Edit | CodeFinding | None:
    """The respelling of ``local.a.b`` by the qualified name its import bound."""
    qualified = ".".join([binding.old, *parts[1:]])
    renamed = renames.rename(qualified)
    if renamed == binding.new:
        new_parts = [binding.new_local]
    elif renamed.startswith(binding.new + "."):
        new_parts = [binding.new_local, *renamed[len(binding.new) + 1 :].split(".")]
    else:
        return CodeFinding(
            chain[0][2],
            "string",
            f"code in a string reaches {qualified}, which becomes {renamed}; left unchanged",
        )
    if new_parts == parts:
        return None
    start, end = chain[0][2], chain[-1][3]
    if end - start != len(".".join(parts)):
        # Spaces around the dots: respelled part by part the chain would not line up; said.
        return CodeFinding(
            start,
            "string",
            f"code in a string spells {'.'.join(parts)} with spaces around its dots; it must "
            f"read {'.'.join(new_parts)} after the rename: edit it by hand",
        )
    return _trim(text, start, end, ".".join(new_parts))


def _string_token_edit(token: tuple[int, str, int, int], renames: Renames) -> Edit | None:
    """``'attr._make'`` inside ``__import__(...)``: its module path renamed, quotes kept."""
    _, string, start, _ = token
    try:
        value = ast.literal_eval(string)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(value, str):
        return None
    new = renames.rename(value)
    if new == value:
        return None
    at = string.find(value)
    if at < 0 or string.count(value) != 1:
        return None
    first, last, replacement = _trim(string, at, at + len(value), new)
    return start + first, start + last, replacement


__all__ = [
    "CodeFinding",
    "CodeResult",
    "line_tokens",
    "rewrite_code",
    "rewrite_fragments",
    "token_edits",
]
