"""vial is our own implementation: no copied runs of code and no copied prose from Flask.

The scan lives in ``scripts/originality.py`` (the developer tool; run it to see findings
with file and line). It compares vial's source with the installed Flask, which is only a
test dependency: signatures, imports, short statements and Flask's documented config
defaults may match, because the public API fixes them; runs of three or more consecutive
non-trivial lines, and identical comments, docstrings or messages longer than 50
characters (line by line, or sentence by sentence however they are wrapped), may not.
The other tests prove the scan can fail and is not noisy.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import types
import typing as t

import pytest

pytest.importorskip("flask")

ROOT = pathlib.Path(__file__).resolve().parents[2]
VIAL_DIR = ROOT / "framework" / "vial"


def _load_scanner() -> types.ModuleType:
    name = "_vial_originality_scan"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "originality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


scanner = _load_scanner()


@pytest.fixture(scope="module")
def flask_reference() -> t.Any:
    return scanner.Reference.from_tree(scanner.flask_root())


def _flask_run(length: int) -> list[str]:
    """Real consecutive code lines from one body of Flask's app module (at most a run)."""
    source = (scanner.flask_root() / "app.py").read_text(encoding="utf-8")
    windows = [[text for _, text in w] for w in scanner._runs(scanner._significant(source))]
    return windows[len(windows) // 2][:length]


def test_vial_shares_no_runs_or_prose_with_flask(flask_reference: t.Any) -> None:
    findings = scanner.scan_tree(VIAL_DIR, flask_reference)
    assert not findings, "copied from Flask (see scripts/originality.py):\n" + "\n".join(
        map(str, findings)
    )


def test_a_copied_run_is_found_even_reindented(flask_reference: t.Any) -> None:
    run = _flask_run(3)
    source = "def ours():\n    x = 1\n" + "".join(f"        {line}\n" for line in run)
    findings = scanner.scan_source(pathlib.Path("fake.py"), source, flask_reference)
    assert [(f.line, f.kind) for f in findings] == [(3, "run"), (4, "run"), (5, "run")]
    assert "fake.py:3: run: " in str(findings[0])


def test_two_copied_lines_are_not_a_run(flask_reference: t.Any) -> None:
    run = _flask_run(2)
    source = "".join(f"{line}\n" for line in run) + "value = compute_something_of_our_own()\n"
    assert scanner.scan_source(pathlib.Path("fake.py"), source, flask_reference) == []


def test_a_copied_docstring_or_comment_line_is_found(flask_reference: t.Any) -> None:
    prose = next(
        line
        for line in sorted(flask_reference.lines)
        if line.startswith("# ") and len(line) > scanner.TEXT_LENGTH
    )
    source = f"def ours():\n    {prose}\n    return 1\n"
    findings = scanner.scan_source(pathlib.Path("fake.py"), source, flask_reference)
    # One finding on that line: as a shared line, or as a shared sentence.
    assert [f.line for f in findings] == [2]
    assert findings[0].kind in {"text", "sentence"}


def test_a_copied_message_is_found_however_it_is_wrapped(flask_reference: t.Any) -> None:
    """Flask's words with other line breaks, and "vial" for "Flask", are still Flask's words."""
    sentence = next(
        s for s in sorted(flask_reference.sentences) if s.count(" ") > 10 and "FRAMEWORK" in s
    )
    words = sentence.replace("FRAMEWORK", "Vial").split()
    half = len(words) // 2
    source = (
        "def ours():\n    raise RuntimeError(\n"
        f"        {' '.join(words[:half])!r}\n        {' ' + ' '.join(words[half:])!r}\n    )\n"
    )
    findings = scanner.scan_source(pathlib.Path("fake.py"), source, flask_reference)
    assert [(f.line, f.kind) for f in findings] == [(3, "sentence")], source


def test_api_lines_alone_are_not_findings(flask_reference: t.Any) -> None:
    """Imports, signatures and documented config defaults must match Flask; they never count."""
    source = """from __future__ import annotations

import typing as t
from werkzeug.exceptions import HTTPException

def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
) -> str:
    return ""

DEFAULTS = {
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
}
"""
    assert scanner.scan_source(pathlib.Path("fake.py"), source, flask_reference) == []


def test_short_trailing_comments_and_code_strings_are_not_prose(flask_reference: t.Any) -> None:
    assert scanner.text_lines(
        'x = f(a)  # type: ignore[arg-type]\nmsg = (\n    "long text"\n)\n'
    ) == {3}
