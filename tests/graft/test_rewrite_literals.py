"""graft.rewrite.literals: a string literal's value read from its source, and text written back into it.

Python itself is the oracle: every body decoded here must read as the interpreter reads
the same literal, and every text encoded into a literal must evaluate back to that text.
"""

from __future__ import annotations

import ast
import warnings

import libcst as cst
import pytest

from graft.rewrite.literals import Piece, decode, encode, read_literal

BODIES = [
    r"plain flask.cli",
    r"tab\there, quote\' and \" backslash\\ bell\a",
    r"octal \101\0\7\777 end",
    r"hex \x41\x4a",
    r"unicode \u00e9 \U0001F600",
    r"named \N{LATIN SMALL LETTER E WITH ACUTE}!",
    r"unknown escape \q keeps its backslash",
    "line \\\ncontinued",
    "crlf \\\r\nbreak",
]


def _python_value(prefix: str, body: str) -> str | bytes:
    # An invalid escape is a SyntaxWarning (an error under -W error) yet still a value.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t_cast(ast.literal_eval(f"{prefix}'''{body}'''"))


def t_cast(value: object) -> str | bytes:
    assert isinstance(value, (str, bytes))
    return value


@pytest.mark.parametrize("body", BODIES)
def test_decode_reads_as_python_does(body: str) -> None:
    value, starts, ends = decode(body, is_raw=False, is_bytes=False, fstring=False)
    assert value == _python_value("", body)
    assert len(starts) == len(ends) == len(value)
    # Each character's span covers what spells it.
    assert all(0 <= s < e <= len(body) for s, e in zip(starts, ends))


@pytest.mark.parametrize("body", [r"bytes \x41\101\777 \u00e9 \N{DASH} \q", r"\xff\x00", "a\\\nb"])
def test_decode_bytes_reads_as_python_does(body: str) -> None:
    value, _, _ = decode(body, is_raw=False, is_bytes=True, fstring=False)
    assert value.encode("latin-1") == _python_value("b", body)


@pytest.mark.parametrize("body", [r"raw \n \x41 {x}", "crlf\r\nin raw"])
def test_decode_raw(body: str) -> None:
    value, _, _ = decode(body, is_raw=True, is_bytes=False, fstring=False)
    assert value == _python_value("r", body)


def test_decode_oddities_keep_what_is_written() -> None:
    # A truncated \x, an unknown \N name and a lone trailing backslash: kept as written.
    assert decode(r"\x4", is_raw=False, is_bytes=False, fstring=False)[0] == r"\x4"
    assert decode(r"\N{NO SUCH NAME}", is_raw=False, is_bytes=False, fstring=False)[0] == (
        r"\N{NO SUCH NAME}"
    )
    assert decode(r"\N{unclosed", is_raw=False, is_bytes=False, fstring=False)[0] == r"\N{unclosed"
    assert decode("end\\", is_raw=False, is_bytes=False, fstring=False)[0] == "end\\"
    # In an f-string's text, doubled braces are one brace.
    value, starts, ends = decode("{{x}}", is_raw=False, is_bytes=False, fstring=True)
    assert (value, starts, ends) == ("{x}", [0, 2, 3], [2, 3, 5])


def _piece(prefix: str, quote: str, fstring: bool = False) -> Piece:
    return Piece(
        cst.SimpleString("''"),  # only its identity is used: the fields below describe it
        "",
        "",
        [],
        [],
        0,
        "r" in prefix,
        "b" in prefix,
        quote,
        fstring,
    )


TEXTS = ["vial.cli", 'it\'s "quoted"', "back\\slash", "two\nlines", "bell\a and \x00", "{braces}"]


@pytest.mark.parametrize("quote", ["'", '"', "'''"])
@pytest.mark.parametrize("text", TEXTS)
def test_encoded_text_evaluates_back(text: str, quote: str) -> None:
    encoded = encode(text, _piece("", quote))
    assert encoded is not None
    assert ast.literal_eval(f"{quote}{encoded}{quote}") == text
    in_fstring = encode(text, _piece("f", quote, fstring=True))
    assert in_fstring is not None
    assert eval(f"f{quote}{in_fstring}{quote}") == text


@pytest.mark.parametrize(
    ("text", "prefix", "quote", "fstring"),
    [
        ("é", "b", "'", False),  # bytes hold ASCII only
        ("a\\b", "r", "'", False),
        ("it's", "r", "'", False),
        ("two\nlines", "r", "'", False),
        ("{x}", "rf", "'", True),
    ],
)
def test_text_a_literal_cannot_hold(text: str, prefix: str, quote: str, fstring: bool) -> None:
    assert encode(text, _piece(prefix, quote, fstring)) is None


def test_raw_literals_take_plain_text() -> None:
    assert encode("two\nlines", _piece("r", "'''")) == "two\nlines"
    assert encode("vial.cli", _piece("rf", '"', fstring=True)) == "vial.cli"


def _literal(source: str) -> cst.BaseExpression:
    return cst.parse_expression(source)


def test_read_literal_and_map_edits() -> None:
    literal = read_literal(_literal("'flask' '.cli' f'{x}:main'"))
    assert literal is not None
    assert literal.text == "flask.cli_graft_value_0_:main"
    # An edit inside one piece is written back into that piece's source.
    mapped = literal.map_edits([(0, 5, "vial")])
    assert mapped is not None
    [(piece, raw)] = mapped.values()
    assert (piece.raw, raw) == ("flask", "vial")
    # An insertion at the very end of a piece lands in it.
    end = literal.map_edits([(9, 9, "_x")])
    assert end is not None and [raw for _, raw in end.values()] == [".cli_x"]
    # Across two pieces, or over a placeholder: not written back.
    assert literal.map_edits([(3, 7, "x")]) is None
    assert literal.map_edits([(10, 20, "x")]) is None


def test_map_edits_refuses_escaped_characters_and_unencodable_text() -> None:
    escaped = read_literal(_literal(r"'fl\x61sk.cli'"))
    assert escaped is not None and escaped.text == "flask.cli"
    assert escaped.map_edits([(0, 5, "vial")]) is None
    assert escaped.map_edits([(6, 9, "app")]) == {
        id(escaped.pieces[0].node): (escaped.pieces[0], r"fl\x61sk.app")
    }
    data = read_literal(_literal("b'flask'"))
    assert data is not None and data.is_bytes
    assert data.map_edits([(0, 5, "flåsk")]) is None


def test_read_literal_gives_none_for_other_expressions() -> None:
    assert read_literal(_literal("name")) is None
    assert read_literal(_literal("'a' + 'b'")) is None
