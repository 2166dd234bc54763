"""Files, encodings and packaging (cases 27-33), golden fixtures, and the tree walker."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graft.rewrite import Renames, RewriteOptions, rewrite_source, rewrite_tree

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "rewrite"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _load_regenerate_script():  # type: ignore[no-untyped-def]
    loader = importlib.machinery.SourceFileLoader("regenerate_fixtures", str(ROOT / "scripts" / "regenerate-fixtures"))
    spec = importlib.util.spec_from_loader("regenerate_fixtures", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


REGENERATE = _load_regenerate_script()


@pytest.mark.parametrize("case", CASES)
def test_golden_fixture(case: str) -> None:
    """``fixtures/rewrite/<case>``: after.py and findings.txt are what the engine gives today."""
    directory = FIXTURES / case
    after, findings = REGENERATE.render(directory)
    assert after == (directory / "after.py").read_bytes(), "run scripts/regenerate-fixtures and review the diff"
    assert findings == (directory / "findings.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_golden_fixture_round_trip(case: str) -> None:
    """Reversible where the names allow: ``a -> b -> a`` restores the original bytes."""
    directory = FIXTURES / case
    renames = REGENERATE.load_renames(directory)
    after = (directory / "after.py").read_bytes()
    back = rewrite_source(after, renames.reverse(), options=RewriteOptions())
    assert back.code == (directory / "before.py").read_bytes()


def test_encodings_bom_crlf_and_missing_final_newline_survive() -> None:
    """28: only the renamed tokens differ, byte for byte."""
    renames = Renames.parse(["flask=myflask"])
    cases = [
        b"\xef\xbb\xbfimport flask\r\nx = flask.g\r\n",
        b"# -*- coding: latin-1 -*-\nimport flask\ns = '\xe9'\n",
        b"import flask\n\tflask_ok = 1\n" if False else b"import flask\nflask.g",
        b"import flask \\\n    , os\r\nflask.g  # trailing comment\r\n",
        "# coding: utf-8\nimport flask\ns = 'æøå'\n".encode(),
    ]
    for code in cases:
        result = rewrite_source(code, renames)
        assert result.status == "changed", code
        assert result.code == code.replace(b"flask", b"myflask")


def test_str_input_gives_str_output() -> None:
    result = rewrite_source("import flask\n", Renames.parse(["flask=myflask"]))
    assert result.code == "import myflask\n" and isinstance(result.code, str)


def _tree(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = textwrap.dedent(content).removeprefix("\n").encode()
        path.write_bytes(content)


def test_tree_rewrites_py_and_pyi_and_reports_other_files(tmp_path: Path) -> None:
    """27, 30, 31, 32: stubs rewritten; config, templates, metadata and extensions reported."""
    _tree(
        tmp_path,
        {
            "app/__init__.py": "from flask import Flask\n",
            "app/stubs.pyi": "import flask\ndef f() -> flask.Response: ...\n",
            "app/untouched.py": "import os\n",
            "app/templates/base.html": "{# built on flask #}\n<p>hi</p>\n",
            "app/py.typed": "",
            "app/_speedups.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
            "pyproject.toml": '[project]\ndependencies = ["flask>=3"]\n[project.scripts]\nx = "flask.cli:main"\n',
            "pytest.ini": "[pytest]\naddopts = --cov=flask\n",
            ".coveragerc": "[run]\nsource = flask\n",
            "ext.dist-info/METADATA": "Name: ext\nRequires-Dist: Flask\n",
            "__pycache__/stale.py": "import flask\n",
            ".hidden/x.py": "import flask\n",
        },
    )
    tree = rewrite_tree([tmp_path], Renames.parse(["flask=myflask"]))
    assert [f.path.relative_to(tmp_path).as_posix() for f in tree.changed] == ["app/__init__.py", "app/stubs.pyi"]
    assert (tmp_path / "app/stubs.pyi").read_text() == "import myflask\ndef f() -> myflask.Response: ...\n"
    assert (tmp_path / "__pycache__/stale.py").read_text() == "import flask\n"
    reported = {(Path(f.path).relative_to(tmp_path).as_posix(), f.line, f.kind) for f in tree.findings}
    assert reported == {
        ("app/templates/base.html", 1, "file"),
        ("app/_speedups.cpython-311-x86_64-linux-gnu.so", 0, "compiled"),
        ("pyproject.toml", 2, "file"),
        ("pyproject.toml", 4, "file"),
        ("pytest.ini", 2, "file"),
        (".coveragerc", 2, "file"),
        ("ext.dist-info/METADATA", 2, "file"),
    }


def test_unparsable_file_is_reported_with_its_line_and_left_untouched(tmp_path: Path) -> None:
    """29."""
    bad = b"import flask\n\ndef broken(:\n    flask.g\n"
    _tree(tmp_path, {"bad.py": bad, "good.py": "import flask\n"})
    renames = Renames.parse(["flask=myflask"])
    tree = rewrite_tree([tmp_path], renames)
    [failed] = tree.failed
    assert failed.error is not None and failed.error.startswith(f"{tmp_path / 'bad.py'}:3: cannot parse")
    assert (tmp_path / "bad.py").read_bytes() == bad
    assert (tmp_path / "good.py").read_text() == "import myflask\n"
    skipped = rewrite_tree([tmp_path / "bad.py"], renames, options=RewriteOptions(skip_unparsable=True))
    assert skipped.failed == [] and [(f.line, f.kind) for f in skipped.findings] == [(3, "unparsable")]


def test_tree_without_write_changes_nothing_and_renders_diffs(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.py": "import flask\n", "b.py": "x = 1\n"})
    tree = rewrite_tree([tmp_path], Renames.parse(["flask=myflask"]), write=False)
    assert (tmp_path / "a.py").read_text() == "import flask\n"
    assert tree.written is False
    assert tree.diff(root=tmp_path) == "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-import flask\n+import myflask\n"


def test_tree_result_is_the_same_with_one_or_two_processes(tmp_path: Path) -> None:
    """Deterministic order and bytes whatever the number of workers."""
    files = {f"pkg/m{i:02}.py": f"import flask\nfrom flask import g as g{i}\nx = 'flask.m{i}'\n" for i in range(12)}
    _tree(tmp_path / "one", files)
    _tree(tmp_path / "two", files)
    renames = Renames.parse(["flask=myflask"])
    one = rewrite_tree([tmp_path / "one"], renames, jobs=1)
    two = rewrite_tree([tmp_path / "two"], renames, jobs=2)
    assert [f.new_bytes for f in one.files] == [f.new_bytes for f in two.files]
    assert [(f.line, f.kind, f.message) for f in one.findings] == [(f.line, f.kind, f.message) for f in two.findings]
    assert [f.path.name for f in two.files] == sorted(f"m{i:02}.py" for i in range(12))


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        rewrite_tree([tmp_path / "nope"], Renames.parse(["flask=myflask"]))


def test_rewritten_package_loads_no_module_of_the_old_name(tmp_path: Path) -> None:
    """33: import the renamed copy with the old name unimportable and list what got loaded."""
    package = {
        "__init__.py": "from oldpkg.core import make\nfrom . import util\n__all__ = ['make']\n",
        "core.py": """
            import importlib
            import sys
            import oldpkg.util
            from oldpkg import util as u

            def make():
                codec = importlib.import_module("oldpkg.codec")
                assert "oldpkg.util" in sys.modules
                return oldpkg.util.name() + u.name() + codec.NAME
            """,
        "util.py": "def name():\n    return __name__.rpartition('.')[2]\n",
        "codec.py": "NAME = 'codec'\n",
    }
    _tree(tmp_path / "newpkg", package)
    tree = rewrite_tree([tmp_path / "newpkg"], Renames.parse(["oldpkg=newpkg"]))
    assert not tree.failed and not tree.findings
    script = (
        "import sys\nsys.modules['oldpkg'] = None\n"
        "import newpkg\nassert newpkg.make() == 'utilutilcodec'\n"
        "print(sorted(m for m in sys.modules if m == 'oldpkg' or m.startswith('oldpkg.')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['oldpkg']"  # only the None placeholder we put there


def test_unknown_strings_rename_known_modules_of_the_tree(tmp_path: Path) -> None:
    """Opt-in: settings-style strings that name a module (or a module's attribute) of the tree."""
    _tree(
        tmp_path / "oldpkg",
        {
            "__init__.py": "",
            "backends/__init__.py": "",
            "backends/db.py": "class Store: ...\n",
            "settings.py": """
                SESSION_ENGINE = "oldpkg.backends.db"
                STORE = "oldpkg.backends.db.Store"
                LOGGER = "oldpkg.server"
                DOMAIN = "oldpkg"
                """,
        },
    )
    renames = Renames.parse(["oldpkg=newpkg"])
    default = rewrite_tree([tmp_path], renames, write=False)
    assert [(Path(f.path).name, f.line, f.kind) for f in default.findings] == [
        ("settings.py", 1, "string"), ("settings.py", 2, "string"), ("settings.py", 3, "string"), ("settings.py", 4, "string"),
    ]
    tree = rewrite_tree([tmp_path], renames, options=RewriteOptions(unknown_strings="rename-known"))
    assert (tmp_path / "oldpkg" / "settings.py").read_text() == (
        'SESSION_ENGINE = "newpkg.backends.db"\n'
        'STORE = "newpkg.backends.db.Store"\n'
        'LOGGER = "oldpkg.server"\n'
        'DOMAIN = "oldpkg"\n'
    )
    assert [(f.line, f.kind) for f in tree.findings] == [(3, "string"), (4, "string")]


def test_module_names_climb_packages(tmp_path: Path) -> None:
    from graft.rewrite.tree import module_names

    _tree(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/m.py": "", "script.py": ""})
    files = [tmp_path / p for p in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/m.py", "script.py")]
    assert module_names(files) == {"pkg", "pkg.sub", "pkg.sub.m", "script"}
