"""Find text in vial's source that stands verbatim in the installed Flask's source.

vial must be our own implementation of Flask's documented API. Public signatures have to
match (same names and parameters), so signature lines are never counted; neither are lines
any implementation must contain (imports, short statements, Flask's documented config
defaults). What is counted:

* a *run*: three or more consecutive non-trivial lines of a vial file that also stand
  consecutively in one Flask file (copied bodies);
* a *text* line: a comment, docstring or string literal line longer than 50 characters that
  is identical to a Flask line (copied messages, docstrings and comments);
* a *sentence*: a sentence longer than 50 characters of a string or a comment block that
  Flask's strings or comments also hold, however the two are wrapped into lines.

``python scripts/originality.py [DIR] [--all]`` prints ``file:line: kind: text`` for each
finding (``--all`` also lists every single identical line of 30+ characters, the old, noisy
view) and exits 1 when there are findings. ``tests/vial/test_originality.py`` runs the same
scan.
"""

from __future__ import annotations

import ast
import io
import pathlib
import re
import sys
import tokenize
import typing as t
from dataclasses import dataclass, field

RUN_LENGTH = 3
"""How many consecutive shared non-trivial lines make a run."""

TEXT_LENGTH = 50
"""Comments, docstrings and messages longer than this must not be shared."""

SHORT = 20
"""Statements shorter than this (``return rv``, ``else:``, ``raise``) are too common to count."""

SIGNATURE = re.compile(
    r"^(def |async def |class |T_|[A-Za-z_]+ = t\.TypeVar|self, |\)|@|[a-z_]+: [^=]*[,)]?$"
    r"|\*\*?[a-z_]+: .*,$|[a-z_]+: .* = .*,$|\"T_[a-z_]+\", bound=|[a-z_]+: [^=]+, [a-z_]+: )"
)
"""Signature lines: the public API fixes them (def/class lines, parameters, decorators)."""

TRIVIAL = re.compile(
    r"^(from \S+ import |import |if t\.TYPE_CHECKING|[\])}]+[,:]?"
    r"|\"[A-Z_]+\": [^,]*,$"  # a documented config default in the default_config table
    r"|[a-z][a-z_]*: [^=]+ = .+$"  # a public annotated attribute and its documented default
    r"|self\.[a-z_]+ = ([a-z_]+|True|False|None|\[\]|\{\})$"  # storing an argument
    r"|return app\.config\[\"[A-Z_]+\"\]$|raise NotImplementedError"
    r"|__all__|\"\"\"$|'''$|#\s*(type|noqa|pragma)\b)"
)
"""Lines any implementation of the same API contains."""

BOUNDARY = re.compile(r"^(def |async def |class |@)")
"""A run never spans two definitions: parallel one-line methods are the API, not a copy."""


@dataclass(frozen=True)
class Finding:
    """One shared line: where it is in vial, and why it counts."""

    path: pathlib.Path
    line: int
    kind: str  # "run" or "text"
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.text}"


def _normalise(line: str) -> str:
    """Compare code modulo indentation and inner spacing."""
    return " ".join(line.split())


def is_trivial(text: str) -> bool:
    """True for a normalised line that cannot show copying on its own."""
    return len(text) < SHORT or bool(SIGNATURE.match(text) or TRIVIAL.match(text))


def _scan_tokens(source: str) -> tuple[set[int], dict[int, int]]:
    """Prose line numbers, and the column where each line's trailing comment starts."""
    prose: set[int] = set()
    trailing: dict[int, int] = {}
    lines = source.splitlines()
    # Python 3.12+ splits an f-string into FSTRING_START ... FSTRING_END tokens (PEP 701);
    # the outermost pair is read as one string, as older versions tokenize it.
    fstring_starts: list[tuple[int, int]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            first, last = token.start[0], token.end[0]
            if token.type == _FSTRING_START:
                fstring_starts.append(token.start)
                continue
            if token.type == _FSTRING_END:
                start = fstring_starts.pop()
                if fstring_starts:
                    continue
                first = start[0]
                length = token.end[1] - start[1] if first == last else len(source)
            elif fstring_starts:
                continue
            elif token.type == tokenize.STRING:
                length = len(token.string)
            else:
                if token.type == tokenize.COMMENT:
                    if lines[first - 1].lstrip().startswith("#"):
                        prose.add(first)  # a comment line
                    else:
                        trailing[first] = token.start[1]  # "# type: ignore" after code
                continue
            # Every line a multi-line string spans; a one-line string only when it
            # opens the line (a message continuation) or is long enough to be prose.
            if last > first or lines[first - 1].lstrip()[:3].lstrip("rbfRBF")[:1] in "\"'":
                prose.update(range(first, last + 1))
            elif length > 40:
                prose.add(first)
    except (tokenize.TokenError, SyntaxError):
        pass
    return prose, trailing


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def text_lines(source: str) -> set[int]:
    """Numbers of the lines that hold comments or string literals (docstrings, messages)."""
    return _scan_tokens(source)[0]


def _significant(source: str) -> list[tuple[int, str | None]]:
    """The non-trivial code lines of a file, numbered, in order.

    Prose (comment lines, docstrings, messages) is left out: the text rule checks it line
    by line, and keeping it here would let a deleted or added comment break a copied run.
    Trailing comments are cut off, so a ``# type: ignore`` neither hides nor makes a match.
    """
    prose, trailing = _scan_tokens(source)
    rows = []
    for number, line in enumerate(source.splitlines(), 1):
        if number in prose:
            continue
        text = _normalise(line[: trailing.get(number, len(line))])
        if BOUNDARY.match(text):
            rows.append((number, None))
        elif text and not is_trivial(text):
            rows.append((number, text))
    return rows


def _runs(rows: list[tuple[int, str | None]]) -> t.Iterator[list[tuple[int, str]]]:
    """Every window of RUN_LENGTH consecutive rows inside one definition."""
    for i in range(len(rows) - RUN_LENGTH + 1):
        window = rows[i : i + RUN_LENGTH]
        if all(text is not None for _, text in window):
            yield window  # type: ignore[misc]


@dataclass
class Reference:
    """What the scan compares against: every line and every run of one source tree."""

    lines: set[str]
    runs: set[tuple[str, ...]]
    sentences: set[str] = field(default_factory=set)

    @classmethod
    def from_tree(cls, root: pathlib.Path) -> Reference:
        lines: set[str] = set()
        runs: set[tuple[str, ...]] = set()
        sentences: set[str] = set()
        for path in sorted(root.rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines.update(_normalise(line) for line in source.splitlines())
            runs.update(tuple(text for _, text in window) for window in _runs(_significant(source)))
            sentences.update(sentence for _, sentence in prose_sentences(source))
        return cls(lines, runs, sentences)


def prose_sentences(source: str) -> t.Iterator[tuple[int, str]]:
    """Sentences longer than TEXT_LENGTH of a file's strings and comment blocks, numbered.

    Whole strings (implicitly concatenated parts joined, f-string fields as ``{}``) and
    runs of comment lines are split into sentences, so copied prose is found however it
    is wrapped. "Flask" and "vial" both read as FRAMEWORK, so renaming the framework in a
    sentence is no way around it either.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    texts: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            parts = (v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            texts.append((node.lineno, "".join(map(str, parts))))
    block: list[str] = []
    for number, line in enumerate([*source.splitlines(), ""], 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#"))
        elif block:
            texts.append((number - len(block), " ".join(block)))
            block = []
    for number, text in texts:
        text = _FRAMEWORK_NAME.sub("FRAMEWORK", " ".join(text.split()))
        for sentence in _SENTENCE_END.split(text):
            if len(sentence) > TEXT_LENGTH:
                yield number, sentence


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FRAMEWORK_NAME = re.compile("flask|vial", re.IGNORECASE)


def flask_root() -> pathlib.Path:
    """The installed Flask package (a test dependency; vial never imports it)."""
    import flask

    return pathlib.Path(flask.__file__).parent


def scan_source(path: pathlib.Path, source: str, reference: Reference) -> list[Finding]:
    """The runs and the text lines of one vial file that Flask's source also has."""
    flagged: dict[int, Finding] = {}
    for window in _runs(_significant(source)):
        if tuple(text for _, text in window) in reference.runs:
            for number, text in window:
                flagged.setdefault(number, Finding(path, number, "run", text))
    for number, sentence in prose_sentences(source):
        if sentence in reference.sentences:
            flagged.setdefault(number, Finding(path, number, "sentence", sentence))
    strings = text_lines(source)
    for number, line in enumerate(source.splitlines(), 1):
        text = _normalise(line)
        if (
            number in strings
            and len(text) > TEXT_LENGTH
            and not SIGNATURE.match(text)
            and text in reference.lines
        ):
            flagged.setdefault(number, Finding(path, number, "text", text))
    return [flagged[number] for number in sorted(flagged)]


def scan_tree(package_dir: pathlib.Path, reference: Reference | None = None) -> list[Finding]:
    """Scan every module of a package against Flask (or another reference)."""
    reference = reference or Reference.from_tree(flask_root())
    findings: list[Finding] = []
    for path in sorted(package_dir.rglob("*.py")):
        findings.extend(scan_source(path, path.read_text(encoding="utf-8"), reference))
    return findings


def identical_lines(package_dir: pathlib.Path, minimum: int = 30) -> t.Iterator[Finding]:
    """Every single line shared with Flask (signatures excluded): the noisy, broad view."""
    known = Reference.from_tree(flask_root()).lines
    for path in sorted(package_dir.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = _normalise(line)
            if len(text) >= minimum and text in known and not SIGNATURE.match(text):
                yield Finding(path, number, "line", text)


def main(argv: list[str]) -> int:
    broad = "--all" in argv
    args = [arg for arg in argv if arg != "--all"]
    target = pathlib.Path(args[0] if args else "framework/vial")
    findings = list(identical_lines(target)) if broad else scan_tree(target)
    for finding in findings:
        print(finding)
    counts: dict[pathlib.Path, int] = {}
    for finding in findings:
        counts[finding.path] = counts.get(finding.path, 0) + 1
    for path, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"{count:5} {path}", file=sys.stderr)
    print(f"{len(findings)} findings", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
