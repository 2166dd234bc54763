"""The value of a string literal, and the way back from a change of the value to its source.

Code inside a string (``"import flask\\n"``, ``b"from flask import x"``, an implicit
concatenation, the literal parts of an f-string) is rewritten on the string's *value*,
where it reads as Python; the change must then be written into the literal's *source*,
whose escapes, quotes, prefixes and line breaks are kept byte for byte. A
:class:`Literal` holds the value of one literal expression (placeholders stand for
the expressions of an f-string) and, for every character of it, the span of source
it came from, so a change of the value maps back to a change of the source: only
where the characters involved are written plainly (a name spelled with an escape is
refused, not guessed), and with the new characters escaped as the literal needs.
"""

from __future__ import annotations

import typing as t
import unicodedata
from dataclasses import dataclass, field

import libcst as cst

_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX = "0123456789abcdefABCDEF"
PLACEHOLDER = "_graft_value_{}_"
"""What an f-string's ``{expression}`` reads as in the value: a name, valid wherever
an expression or an imported name may stand, that no rename touches."""

Edit = tuple[int, int, str]
"""(start, end, new text) in a value: the characters ``start:end`` become the text."""


@dataclass
class Piece:
    """The body of one literal (or of one text part of an f-string) and its value."""

    node: cst.SimpleString | cst.FormattedStringText
    raw: str
    """The source between the quotes (for an f-string part: the part's text)."""
    value: str
    """What the body means; bytes are read as Latin-1, so one character is one byte."""
    starts: list[int]
    """For each character of ``value``, where its source starts in ``raw``."""
    ends: list[int]
    """For each character of ``value``, where its source ends in ``raw``."""
    offset: int
    """Where ``value`` starts in the whole :class:`Literal`'s text."""
    is_raw: bool
    is_bytes: bool
    quote: str
    fstring: bool
    path_suffix: tuple[cst.CSTNode, ...] = ()
    """Ancestors between the literal expression and this node (the f-string, for its parts)."""


@dataclass
class Literal:
    """A whole literal expression's value, made of pieces and f-string placeholders."""

    node: cst.BaseExpression
    pieces: list[Piece] = field(default_factory=list)
    text: str = ""
    is_bytes: bool = False

    def piece_at(self, start: int, end: int) -> Piece | None:
        """The piece holding the characters ``start:end`` (an insertion: at ``start``)."""
        fallback = None
        for piece in self.pieces:
            stop = piece.offset + len(piece.value)
            if piece.offset <= start < stop and end <= stop:
                return piece
            if start == end == stop:
                fallback = piece  # an insertion at a piece's very end, if no piece starts there
        return fallback

    def map_edits(self, edits: t.Sequence[Edit]) -> dict[int, tuple[Piece, str]] | None:
        """New source for each piece the edits touch (by ``id`` of its node), or None.

        None means some edit cannot be written back safely: it spans two pieces or a
        placeholder, touches characters written with an escape, or needs a character
        the literal cannot hold (a quote in a raw string, a non-ASCII name in bytes).
        """
        by_piece: dict[int, list[tuple[int, int, str]]] = {}
        pieces: dict[int, Piece] = {}
        for start, end, new in edits:
            piece = self.piece_at(start, end)
            if piece is None:
                return None
            local_start, local_end = start - piece.offset, end - piece.offset
            if local_start == local_end:
                raw_start = raw_end = (
                    piece.starts[local_start] if local_start < len(piece.value) else len(piece.raw)
                )
            else:
                raw_start, raw_end = piece.starts[local_start], piece.ends[local_end - 1]
                if piece.raw[raw_start:raw_end] != piece.value[local_start:local_end]:
                    return None
            encoded = encode(new, piece)
            if encoded is None:
                return None
            by_piece.setdefault(id(piece.node), []).append((raw_start, raw_end, encoded))
            pieces[id(piece.node)] = piece
        result: dict[int, tuple[Piece, str]] = {}
        for key, changes in by_piece.items():
            piece = pieces[key]
            raw = piece.raw
            for raw_start, raw_end, encoded in sorted(changes, reverse=True):
                raw = raw[:raw_start] + encoded + raw[raw_end:]
            result[key] = (piece, raw)
        return result


def encode(text: str, piece: Piece) -> str | None:
    """``text`` as it must be written inside ``piece``'s literal (None: it cannot be)."""
    if piece.is_bytes and not text.isascii():
        return None
    triple = len(piece.quote) == 3
    if piece.is_raw:
        if "\\" in text or piece.quote[0] in text or (not triple and "\n" in text):
            return None
        if piece.fstring and ("{" in text or "}" in text):
            return None
        return text
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == piece.quote[0]:
            out.append("\\" + char)
        elif char == "\n" and not triple:
            out.append("\\n")
        elif piece.fstring and char in "{}":
            out.append(char * 2)
        elif not char.isprintable() and char != "\n":
            out.append(repr(char)[1:-1])
        else:
            out.append(char)
    return "".join(out)


def decode(
    raw: str, *, is_raw: bool, is_bytes: bool, fstring: bool
) -> tuple[str, list[int], list[int]]:
    """The value of a literal body, with each character's source span in ``raw``.

    Newlines written as ``\\r\\n`` or ``\\r`` read as ``\\n`` (Python's own reading of
    a source file); an escaped line break is no character; an unknown escape keeps its
    backslash. Errors Python would refuse (a truncated ``\\x``) keep the characters as
    written: the literal parsed, so only an odd corner reaches them, and the span
    check of :meth:`Literal.map_edits` keeps such characters from being rewritten.
    """
    value: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(raw)

    def add(chars: str, start: int, end: int) -> None:
        for char in chars:
            value.append(char)
            starts.append(start)
            ends.append(end)

    while i < n:
        char = raw[i]
        if char == "\r":
            end = i + 2 if raw.startswith("\r\n", i) else i + 1
            add("\n", i, end)
            i = end
            continue
        if fstring and char in "{}" and raw.startswith(char * 2, i):
            add(char, i, i + 2)
            i += 2
            continue
        if char != "\\" or is_raw:
            add(char, i, i + 1)
            i += 1
            continue
        if i + 1 >= n:
            add("\\", i, i + 1)
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt == "\n" or nxt == "\r":
            i += 3 if raw.startswith("\r\n", i + 1) else 2
            continue
        if nxt in _ESCAPES:
            add(_ESCAPES[nxt], i, i + 2)
            i += 2
            continue
        if nxt in "01234567":
            j = i + 1
            while j < min(n, i + 4) and raw[j] in "01234567":
                j += 1
            add(chr(int(raw[i + 1 : j], 8) & (0xFF if is_bytes else 0x1FF)), i, j)
            i = j
            continue
        width = {"x": 2, "u": 4, "U": 8}.get(nxt, 0) if not is_bytes or nxt == "x" else 0
        if width and all(c in _HEX for c in raw[i + 2 : i + 2 + width]) and i + 2 + width <= n:
            add(chr(int(raw[i + 2 : i + 2 + width], 16)), i, i + 2 + width)
            i += 2 + width
            continue
        if nxt == "N" and not is_bytes and raw.startswith("{", i + 2):
            close = raw.find("}", i + 3)
            if close > 0:
                try:
                    add(unicodedata.lookup(raw[i + 3 : close]), i, close + 1)
                except KeyError:
                    add(raw[i : close + 1], i, close + 1)
                i = close + 1
                continue
        add("\\", i, i + 1)
        i += 1
    return "".join(value), starts, ends


def _simple_piece(node: cst.SimpleString, offset: int) -> Piece:
    prefix = node.prefix.lower()
    quote = node.quote
    raw = node.value[len(node.prefix) + len(quote) : len(node.value) - len(quote)]
    is_raw, is_bytes = "r" in prefix, "b" in prefix
    value, starts, ends = decode(raw, is_raw=is_raw, is_bytes=is_bytes, fstring=False)
    return Piece(node, raw, value, starts, ends, offset, is_raw, is_bytes, quote, False)


def read_literal(node: cst.BaseExpression) -> Literal | None:
    """The value of a string literal, implicit concatenation or f-string; None for anything else.

    An f-string's expressions read as :data:`PLACEHOLDER` names; a concatenation of
    bytes and text (a syntax error anyway) gives None.
    """
    literal = Literal(node)
    parts: list[str] = []
    kinds: set[bool] = set()
    counter = [0]

    def visit(expr: cst.BaseExpression, suffix: tuple[cst.CSTNode, ...]) -> bool:
        offset = sum(map(len, parts))
        if isinstance(expr, cst.SimpleString):
            piece = _simple_piece(expr, offset)
            piece.path_suffix = suffix
            literal.pieces.append(piece)
            parts.append(piece.value)
            kinds.add(piece.is_bytes)
            return True
        if isinstance(expr, cst.ConcatenatedString):
            inner = (*suffix, expr)
            return visit(expr.left, inner) and visit(expr.right, inner)
        if isinstance(expr, cst.FormattedString):
            prefix = expr.start[: -len(expr.quote)] if expr.quote else expr.start
            prefix = prefix.lower()
            quote = expr.quote
            is_raw, is_bytes = "r" in prefix, "b" in prefix
            kinds.add(is_bytes)
            for part in expr.parts:
                offset = sum(map(len, parts))
                if isinstance(part, cst.FormattedStringText):
                    value, starts, ends = decode(
                        part.value, is_raw=is_raw, is_bytes=is_bytes, fstring=True
                    )
                    piece = Piece(
                        part, part.value, value, starts, ends, offset, is_raw, is_bytes, quote, True
                    )
                    piece.path_suffix = (*suffix, expr)
                    literal.pieces.append(piece)
                    parts.append(value)
                else:
                    parts.append(PLACEHOLDER.format(counter[0]))
                    counter[0] += 1
            return True
        return False

    if not visit(node, ()) or len(kinds) > 1:
        return None
    literal.text = "".join(parts)
    literal.is_bytes = bool(kinds) and kinds.pop()
    return literal


def rebuild(piece: Piece, raw: str) -> cst.CSTNode:
    """``piece``'s node with ``raw`` as its body."""
    node = piece.node
    if isinstance(node, cst.SimpleString):
        opening = node.value[: len(node.prefix) + len(node.quote)]
        return node.with_changes(value=opening + raw + node.quote)
    return node.with_changes(value=raw)


__all__ = ["PLACEHOLDER", "Edit", "Literal", "Piece", "decode", "encode", "read_literal", "rebuild"]
