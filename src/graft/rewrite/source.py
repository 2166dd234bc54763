"""``rewrite_source``: one module's code in, a result value out, never an exception.

The order of work is chosen for speed on big trees: a regular expression over the raw
bytes decides whether the old name occurs at all (most files of a large project do
not mention it, and they are never parsed); a statement-level pass finds the imports;
one scope-aware walk collects what can change; only the changed spine of the tree is
rebuilt; and the single code generation also yields the line numbers of findings.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import gc
import io
import re
import tokenize
import traceback
import typing as t

import libcst as cst

from .carriers import Carriers, mentions_distribution
from .commands import folded_needles, needles, plan_commands
from .edit import Edits, generate
from .imports import interest_names, plan_imports
from .options import RewriteOptions
from .result import Finding, RewriteResult
from .scopes import Analysis
from .setup_py import is_setup_script, plan_setup
from .strings import plan_strings

if t.TYPE_CHECKING:
    from .names import Renames

CodeT = t.TypeVar("CodeT", str, bytes)


def rewrite_source(
    code: CodeT,
    renames: Renames,
    *,
    path: str = "<string>",
    options: RewriteOptions | None = None,
    known_modules: t.AbstractSet[str] = frozenset(),
) -> RewriteResult[CodeT]:
    """Rename the import names of ``renames`` in one module's source.

    ``code`` may be ``bytes`` (the encoding comes from a PEP 263 cookie or a BOM, and is
    kept) or ``str``; the result's ``code`` has the same type, and differs from the
    input only in the renamed tokens. Code that does not mention an old top-level name
    is returned as is without parsing. Code libcst cannot parse gives a ``failed``
    result whose ``error`` names ``path:line`` (or, with ``skip_unparsable``, an
    ``unchanged`` result with an ``unparsable`` finding). This function does not raise.

    ``known_modules`` lists the dotted names of the modules being rewritten (the tree
    walker fills it in); only ``unknown_strings="rename-known"`` looks at it.
    """
    opts = options if options is not None else RewriteOptions()
    extra, folded = needles(opts), folded_needles(opts)
    if (
        not renames.mentions(code)
        and not _contains(code, extra)
        and not (folded and _contains(code.lower(), folded))
        and not (is_setup_script(path) and mentions_distribution(code, renames, opts))
    ):
        return RewriteResult("unchanged", code, path)
    if isinstance(code, bytes):
        undecodable = _undecodable(code)
        if undecodable is not None:
            line, message = undecodable
            return _unparsable(code, path, line, message, opts)
    with _collector_paused(len(code) >= LARGE_SOURCE):
        try:
            module = cst.parse_module(code)
        except cst.ParserSyntaxError as exc:
            line, reason = _syntax_error(code, exc)
            return _unparsable(code, path, line, f"cannot parse: {reason}", opts)
        except (RecursionError, ValueError, SyntaxError) as exc:
            return _unparsable(code, path, 0, f"cannot parse: {exc}", opts)
        try:
            new_module, findings = _rewrite_module(module, renames, opts, path, known_modules)
        except Exception as exc:  # a bug in the rewriter must not abort a whole tree
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return RewriteResult(
                "failed",
                code,
                path,
                error=f"{path}: internal rewriter error: {detail}",
                parsed=True,
            )
    if new_module is None:
        return RewriteResult("unchanged", code, path, findings, parsed=True)
    text, _ = new_module
    new_code: t.Any = text if isinstance(code, str) else text.encode(module.encoding)
    if new_code == code:
        return RewriteResult("unchanged", code, path, findings, parsed=True)
    return RewriteResult("changed", new_code, path, findings, parsed=True)


def _contains(code: str | bytes, words: tuple[str, ...]) -> bool:
    if isinstance(code, bytes):
        return any(word.encode() in code for word in words)
    return any(word in code for word in words)


LARGE_SOURCE = 1 << 20
"""Inputs of this many characters or bytes are parsed with the cyclic garbage collector paused."""


@contextlib.contextmanager
def _collector_paused(pause: bool) -> t.Iterator[None]:
    """Pause the cyclic garbage collector while a large module is parsed and rewritten.

    libcst allocates millions of nodes for a big file and none of them is garbage
    until the tree is dropped, yet each full collection walks all of them: on a
    generated 50,000-line module the collector made parsing super-linear (a third of
    the time). It is turned back on, if it was on, before the result is returned.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _undecodable(code: bytes) -> tuple[int, str] | None:
    """Where and why ``code`` cannot be read in its declared encoding (None: it can).

    The encoding is the PEP 263 cookie's, or UTF-8 (with or without a BOM). A file
    saved as Latin-1 without a cookie is the usual case; the message says which byte,
    and the two ways to fix it, instead of a codec error that reads like a bug.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(code).readline)
    except SyntaxError:  # a bad cookie: the parser reports it
        return None
    try:
        codecs.decode(code, encoding)
    except UnicodeDecodeError as exc:
        line = code.count(b"\n", 0, exc.start) + 1
        column = exc.start - (code.rfind(b"\n", 0, exc.start) + 1) + 1
        name = "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
        byte = code[exc.start]
        return line, (
            f"not valid {name} (byte 0x{byte:02x} at column {column}); "
            "add a PEP 263 coding cookie or re-encode the file"
        )
    except LookupError:
        return None
    return None


def _syntax_error(code: str | bytes, exc: cst.ParserSyntaxError) -> tuple[int, str]:
    """The line and reason of a parse failure, as precise as Python's own compiler gives them.

    libcst's native parser sometimes points one line past the error; CPython's parser
    is exact, and only runs for the rare file that fails.
    """
    reason = re.sub(r"^parser error: error at \d+:\d+: ", "", exc.message)
    try:
        ast.parse(code)
    except SyntaxError as syntax_error:
        if syntax_error.lineno:
            return syntax_error.lineno, syntax_error.msg or reason
    except (ValueError, RecursionError):
        pass
    return exc.raw_line, reason


def _unparsable(
    code: CodeT, path: str, line: int, message: str, options: RewriteOptions
) -> RewriteResult[CodeT]:
    """Left byte-identical either way; ``skip_unparsable`` only changes how it is counted."""
    if options.skip_unparsable:
        finding = Finding(path, line, "unparsable", message)
        return RewriteResult("unchanged", code, path, (finding,))
    where = f"{path}:{line}" if line else path
    return RewriteResult("failed", code, path, error=f"{where}: {message}")


def _rewrite_module(
    module: cst.Module,
    renames: Renames,
    options: RewriteOptions,
    path: str,
    known_modules: t.AbstractSet[str],
) -> tuple[tuple[str, dict[int, int]] | None, tuple[Finding, ...]]:
    """The new code (None when nothing changed) and the findings with their lines."""
    analysis = Analysis(
        module,
        renames.roots,
        interest_names(module, renames),
        needles(options),
        folded_needles(options),
    )
    edits = Edits()
    plan_imports(analysis, renames, edits)
    plan_commands(analysis, options, edits)
    if is_setup_script(path):
        plan_setup(module, Carriers(renames, options), edits)
    plan_strings(analysis, renames, options, edits, known_modules, engine=rewrite_source)
    if not edits and not edits.findings:
        return None, ()
    new_module = edits.apply(module)
    anchors = [edits.current(node) for node, _, _, _ in edits.findings]
    if anchors:
        text, lines = generate(new_module, anchors)
    else:
        text, lines = new_module.code, {}
    findings = sorted(
        {
            Finding(path, lines.get(id(anchor), 0) + below, kind, message)
            for anchor, (_, kind, message, below) in zip(anchors, edits.findings)
        },
        key=lambda f: (f.line, f.kind, f.message),
    )
    return ((text, lines) if edits else None), tuple(findings)


__all__ = ["rewrite_source"]
