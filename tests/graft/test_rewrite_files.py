"""Files, encodings and packaging (cases 27-33), golden fixtures, and the tree walker."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest

from graft.rewrite import Renames, RewriteOptions, rewrite_source, rewrite_tree

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "rewrite"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _load_regenerate_script():  # type: ignore[no-untyped-def]
    loader = importlib.machinery.SourceFileLoader(
        "regenerate_fixtures", str(ROOT / "scripts" / "regenerate-fixtures")
    )
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
    assert after == (directory / "after.py").read_bytes(), (
        "run scripts/regenerate-fixtures and review the diff"
    )
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
    """27, 30, 31, 32: stubs rewritten; config, templates and extensions reported; entry points
    follow the rename, requirements on the old distribution are reported (test_rewrite_metadata)."""
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
    assert [f.path.relative_to(tmp_path).as_posix() for f in tree.changed] == [
        "pyproject.toml",
        "app/__init__.py",
        "app/stubs.pyi",
    ]
    assert (tmp_path / "pyproject.toml").read_text().endswith('x = "myflask.cli:main"\n')
    assert (
        tmp_path / "app/stubs.pyi"
    ).read_text() == "import myflask\ndef f() -> myflask.Response: ...\n"
    assert (tmp_path / "__pycache__/stale.py").read_text() == "import flask\n"
    reported = {
        (Path(f.path).relative_to(tmp_path).as_posix(), f.line, f.kind) for f in tree.findings
    }
    assert reported == {
        ("app/templates/base.html", 1, "file"),
        ("app/_speedups.cpython-311-x86_64-linux-gnu.so", 0, "compiled"),
        ("pyproject.toml", 2, "distribution"),
        ("pytest.ini", 2, "file"),
        (".coveragerc", 2, "file"),
        ("ext.dist-info/METADATA", 2, "distribution"),
    }


def test_unparsable_file_is_reported_with_its_line_and_left_untouched(tmp_path: Path) -> None:
    """29."""
    bad = b"import flask\n\ndef broken(:\n    flask.g\n"
    _tree(tmp_path, {"bad.py": bad, "good.py": "import flask\n"})
    renames = Renames.parse(["flask=myflask"])
    tree = rewrite_tree([tmp_path], renames)
    [failed] = tree.failed
    assert failed.error is not None and failed.error.startswith(
        f"{tmp_path / 'bad.py'}:3: cannot parse"
    )
    assert (tmp_path / "bad.py").read_bytes() == bad
    assert (tmp_path / "good.py").read_text() == "import myflask\n"
    skipped = rewrite_tree(
        [tmp_path / "bad.py"], renames, options=RewriteOptions(skip_unparsable=True)
    )
    assert skipped.failed == [] and [(f.line, f.kind) for f in skipped.findings] == [
        (3, "unparsable")
    ]


def test_tree_without_write_changes_nothing_and_renders_diffs(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.py": "import flask\n", "b.py": "x = 1\n"})
    tree = rewrite_tree([tmp_path], Renames.parse(["flask=myflask"]), write=False)
    assert (tmp_path / "a.py").read_text() == "import flask\n"
    assert tree.written is False
    assert (
        tree.diff(root=tmp_path)
        == "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-import flask\n+import myflask\n"
    )


def test_tree_result_is_the_same_with_one_or_two_processes(tmp_path: Path) -> None:
    """Deterministic order and bytes whatever the number of workers."""
    files = {
        f"pkg/m{i:02}.py": f"import flask\nfrom flask import g as g{i}\nx = 'flask.m{i}'\n"
        for i in range(12)
    }
    _tree(tmp_path / "one", files)
    _tree(tmp_path / "two", files)
    renames = Renames.parse(["flask=myflask"])
    one = rewrite_tree([tmp_path / "one"], renames, jobs=1)
    two = rewrite_tree([tmp_path / "two"], renames, jobs=2)
    assert [f.new_bytes for f in one.files] == [f.new_bytes for f in two.files]
    assert [(f.line, f.kind, f.message) for f in one.findings] == [
        (f.line, f.kind, f.message) for f in two.findings
    ]
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
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['oldpkg']"  # only the None placeholder we put there


def test_unknown_strings_rename_known_modules_of_the_tree(tmp_path: Path) -> None:
    """A string that is a submodule of the tree is renamed by default; opt in for the rest.

    ``rename-known`` also renames a module's attribute (``"oldpkg.backends.db.Store"``).
    """
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
        ("settings.py", 2, "string"),
        ("settings.py", 3, "string"),
        ("settings.py", 4, "string"),
    ]
    assert [f.path.name for f in default.changed] == ["settings.py"]
    assert default.changed[0].new_bytes is not None
    assert b'SESSION_ENGINE = "newpkg.backends.db"' in default.changed[0].new_bytes
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

    _tree(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/m.py": "", "script.py": ""},
    )
    files = [
        tmp_path / p
        for p in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/m.py", "script.py")
    ]
    assert module_names(files) == {"pkg", "pkg.sub", "pkg.sub.m", "script"}


def test_walk_stays_out_of_virtualenvs_installed_packages_and_build_output(tmp_path: Path) -> None:
    """``graft rewrite .`` once rewrote venvs and site-packages; only the user's source is walked."""
    source = "import flask\n"
    _tree(
        tmp_path,
        {
            "app/main.py": source,
            "app/build/__init__.py": source,  # a package named build is source, not output
            "venv/pyvenv.cfg": "home = /usr/bin\n",
            "venv/lib/python3.12/site-packages/ext/__init__.py": source,
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/bin/tool.py": source,
            "vendor/lib/site-packages/ext.py": source,
            "debian/usr/lib/python3/dist-packages/ext.py": source,
            "build/lib/app/main.py": source,
            "dist/app/main.py": source,
            "node_modules/pkg/gen.py": source,
            "app/__pycache__/main.py": source,
            "app.egg-info/stub.py": source,
        },
    )
    tree = rewrite_tree([tmp_path], Renames.parse(["flask=myflask"]))
    assert [f.path.relative_to(tmp_path).as_posix() for f in tree.changed] == [
        "app/main.py",
        "app/build/__init__.py",
    ]
    untouched = [p for p in tmp_path.rglob("*.py") if p.read_text() == source]
    assert len(untouched) == 9
    assert [(s.path.relative_to(tmp_path).as_posix(), s.reason) for s in tree.skipped] == [
        ("app/__pycache__", "cache"),
        ("app.egg-info", "build output"),
        ("build", "build output"),
        ("debian/usr/lib/python3/dist-packages", "installed packages"),
        ("dist", "build output"),
        ("env", "virtualenv"),
        ("node_modules", "cache"),
        ("vendor/lib/site-packages", "installed packages"),
        ("venv", "virtualenv"),
    ]


def test_walk_skips_git_ignored_paths_unless_asked_or_named(tmp_path: Path) -> None:
    """In a git work tree, what git ignores is not the user's source (``--include-ignored``)."""
    source = "import flask\n"
    _tree(
        tmp_path,
        {
            ".gitignore": "/third_party/\ngenerated_*.py\n",
            "app/main.py": source,
            "app/generated_api.py": source,
            "third_party/ext/m.py": source,
        },
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    renames = Renames.parse(["flask=myflask"])
    tree = rewrite_tree([tmp_path], renames, write=False)
    assert [f.path.relative_to(tmp_path).as_posix() for f in tree.changed] == ["app/main.py"]
    assert [(s.path.relative_to(tmp_path).as_posix(), s.reason) for s in tree.skipped] == [
        ("app/generated_api.py", "git-ignored"),
        ("third_party", "git-ignored"),
    ]
    # Walking a subdirectory asks git about that subdirectory.
    assert [
        s.path.name for s in rewrite_tree([tmp_path / "app"], renames, write=False).skipped
    ] == ["generated_api.py"]
    included = rewrite_tree([tmp_path], renames, write=False, include_ignored=True)
    assert [f.path.relative_to(tmp_path).as_posix() for f in included.changed] == [
        "app/generated_api.py",
        "app/main.py",
        "third_party/ext/m.py",
    ]
    assert included.skipped == ()
    named = rewrite_tree(
        [tmp_path / "app" / "generated_api.py", tmp_path / "third_party"], renames, write=False
    )
    assert [f.path.name for f in named.changed] == ["generated_api.py", "m.py"]


def _hook_raising(exc: BaseException, on_call: int) -> t.Callable[[Path], None]:
    calls: list[Path] = []

    def hook(path: Path) -> None:
        calls.append(path)
        if len(calls) == on_call:
            raise exc

    return hook


@pytest.mark.parametrize(
    "exc",
    [KeyboardInterrupt(), OSError(28, "No space left on device")],
    ids=["ctrl-c", "disk-full"],
)
def test_interrupted_write_restores_every_file(tmp_path: Path, exc: BaseException) -> None:
    """An interrupt or error while writing leaves the tree exactly as it was."""
    from graft.errors import RewriteError
    from graft.rewrite.tree import set_write_hook

    files = {f"pkg/m{i}.py": f"import flask\nx{i} = flask.g\n" for i in range(5)}
    _tree(tmp_path, files)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    set_write_hook(_hook_raising(exc, on_call=4))  # three files are written by then
    try:
        with pytest.raises(
            KeyboardInterrupt if isinstance(exc, KeyboardInterrupt) else RewriteError
        ) as info:
            rewrite_tree([tmp_path], Renames.parse(["flask=myflask"]), jobs=1)
    finally:
        set_write_hook(None)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before, (
        "restored, no temp files left"
    )
    if isinstance(info.value, RewriteError):
        assert "no file was changed" in info.value.format_message()


def test_write_keeps_the_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    """Atomic replacement must not turn a script non-executable or a link into a copy."""
    _tree(tmp_path, {"tool.py": "import flask\n", "real/target.py": "import flask\n"})
    (tmp_path / "tool.py").chmod(0o755)
    (tmp_path / "link.py").symlink_to(tmp_path / "real" / "target.py")
    rewrite_tree([tmp_path / "tool.py", tmp_path / "link.py"], Renames.parse(["flask=myflask"]))
    assert (tmp_path / "tool.py").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real" / "target.py").read_text() == "import myflask\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real", "tool.py"]


def test_non_utf8_file_without_a_cookie_names_the_byte_and_the_fix(tmp_path: Path) -> None:
    """Not a codec traceback text and a syntax hint, but what is wrong and how to fix it."""
    data = b"import flask\ns = 'caf\xe9'\n"
    _tree(tmp_path, {"nocookie.py": data})
    tree = rewrite_tree([tmp_path], Renames.parse(["flask=myflask"]))
    [failed] = tree.failed
    assert failed.error == (
        f"{tmp_path / 'nocookie.py'}:2: not valid UTF-8 (byte 0xe9 at column 9); "
        "add a PEP 263 coding cookie or re-encode the file"
    )
    assert (tmp_path / "nocookie.py").read_bytes() == data
    skipped = rewrite_tree(
        [tmp_path], Renames.parse(["flask=myflask"]), options=RewriteOptions(skip_unparsable=True)
    )
    assert skipped.failed == [] and [(f.line, f.kind) for f in skipped.findings] == [
        (2, "unparsable")
    ]
    # With a cookie the same bytes are fine.
    cookie = b"# -*- coding: latin-1 -*-\n" + data
    assert rewrite_source(cookie, Renames.parse(["flask=myflask"])).code == cookie.replace(
        b"flask", b"myflask"
    )
