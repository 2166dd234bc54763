"""graft check: one line per problem and the documented exit codes, on real repositories.

The story: upstream kettle v1.0 is forked into the app as ``teabag``; the app's
``shop.py`` imports the fork, and ``[tool.graft] app = "shop"`` tells CI what to
import. Upstream has released v2.0 and v3.0 since, so the fork is behind.
"""

from __future__ import annotations

import json
import shutil
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import build_file_tree, git, git_commit_all, make_app, make_upstream

from graft.checks import app_from_pyproject, conflict_marker_lines, old_roots
from graft.cli import main
from graft.fork import fork
from graft.manifest import parse_manifest
from graft.sync import sync

SHOP = '''"""The app: it uses the fork only."""

import teabag


def order():
    return teabag.brew("leaves")


def make():
    import kettle.util  # a factory that reaches for the original package
    return kettle.util
'''


def invoke(args: list[str]) -> t.Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def forked(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The app with kettle v1.0 forked as teabag and shop.py configured as the app."""
    if "base" not in _TEMPLATE:
        base = tmp_path_factory.mktemp("check-template")
        app = make_app(base)
        fork(str(make_upstream(base)), "teabag", ref="v1.0", cwd=app)
        # [tool.graft] goes before the packages: after them, manifest.set_entry (used by
        # sync) refuses the out-of-order table (reported to its owner).
        text = (app / "pyproject.toml").read_text()
        (app / "pyproject.toml").write_text(
            text.replace(
                "[tool.graft.packages.teabag]",
                '[tool.graft]\napp = "shop"\n\n[tool.graft.packages.teabag]',
            )
        )
        build_file_tree(app, {"shop.py": SHOP})
        git_commit_all(app, "the shop app")
        _TEMPLATE["base"] = base
    for name in ("upstream", "app"):
        shutil.copytree(_TEMPLATE["base"] / name, tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "app")
    return tmp_path / "app"


def test_clean_then_behind(forked: Path) -> None:
    result = invoke(["check", "--skip", "behind"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "ok: teabag" in result.stderr
    result = invoke(["check"])
    assert result.exit_code == 4, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith("teabag: behind: kettle v3.0 (") and "run `graft sync teabag`" in line
    assert sync(cwd=forked).status == "merged"
    assert invoke(["check"]).exit_code == 0


def test_conflict_markers_fail_with_1(forked: Path) -> None:
    path = forked / "teabag" / "util.py"
    lines = path.read_text().splitlines(keepends=True)
    lines[9:10] = [
        "<<<<<<< HEAD\n",
        lines[9],
        "=======\n",
        "    result = thing\n",
        ">>>>>>> theirs\n",
    ]
    path.write_text("".join(lines))
    result = invoke(["check"])
    assert result.exit_code == 1, result.output
    behind, markers, imports = result.stdout.splitlines()  # a failure other than behind wins
    assert behind.startswith("teabag: behind: ")
    assert markers == (
        "teabag/util.py:10: conflict-markers: a conflict block is left here; resolve it and commit."
    )
    assert imports.startswith("import-failed: importing shop fails: SyntaxError")
    result = invoke(["check", "--format", "json", "--skip", "behind", "--skip", "imports"])
    data = json.loads(result.stdout)
    assert data["exit_code"] == 1 and data["checked"] == ["teabag"]
    assert data["problems"] == [
        {
            "kind": "conflict-markers",
            "name": "teabag",
            "path": "teabag/util.py",
            "line": 10,
            "message": "a conflict block is left here; resolve it and commit.",
            "modules": [],
        }
    ]


def test_snapshot_no_longer_reproducible(forked: Path) -> None:
    # The rewrite settings change (an extra map) without a new snapshot: the recorded
    # snapshot can no longer be rebuilt from the recorded revision.
    text = (forked / "pyproject.toml").read_text()
    (forked / "pyproject.toml").write_text(
        text.replace(
            'maps = ["kettle=teabag"]', 'maps = ["kettle=teabag", "kettle.util=teabag.tools"]'
        )
    )
    git_commit_all(forked, "change the maps by hand")
    result = invoke(["check", "--skip", "behind"])
    assert result.exit_code == 1, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith("teabag: irreproducible: re-running the rewrite on kettle v1.0")
    # A snapshot commit whose tree is not the recorded one is reported as well.
    entry = parse_manifest(text).select("teabag")
    (forked / "pyproject.toml").write_text(text.replace(entry.snapshot_tree, "0" * 40))
    result = invoke(["check", "--skip", "behind"])
    assert result.exit_code == 1
    assert f"snapshot commit {entry.snapshot[:10]} has tree {entry.snapshot_tree}" in result.stdout


def test_importing_the_app_must_not_load_the_original(forked: Path) -> None:
    assert invoke(["check", "--skip", "behind", "--skip", "reproduce"]).exit_code == 0
    # A leftover copy of the original package, imported by another entry point of the app.
    build_file_tree(
        forked,
        {
            "kettle/__init__.py": "",
            "kettle/util.py": "X = 1\n",
            "legacy_app.py": "import teabag\nfrom kettle import util\n",
        },
    )
    result = invoke(["check", "--app", "legacy_app", "--skip", "behind", "--skip", "reproduce"])
    assert result.exit_code == 1, result.output
    # One line per original package, naming the line that first imported it.
    assert result.stdout.splitlines() == [
        "teabag: old-import: importing legacy_app loads kettle (2 modules: kettle, kettle.util), "
        "which teabag replaces; first imported from legacy_app.py:2; "
        "import teabag instead (or `graft patch` the extension that imports it).",
    ]
    # MODULE:FACTORY() calls the factory, which is where some apps import lazily.
    result = invoke(["check", "--app", "shop:make()", "--skip", "behind", "--skip", "reproduce"])
    assert (
        result.exit_code == 1 and "loads kettle (2 modules: kettle, kettle.util)" in result.stdout
    )
    result = invoke(["check", "--app", "no_such_module", "--skip", "behind", "--skip", "reproduce"])
    assert result.exit_code == 1
    assert "import-failed: importing no_such_module fails: ModuleNotFoundError" in result.stdout


FACTORY_APP = '''"""An app built by a factory that imports the original package lazily."""

import teabag


def create_app():
    import kettle.util
    return teabag
'''


@pytest.mark.parametrize(
    "spec", ["flaskr", "flaskr:create_app", "flaskr:create_app()", "maker", "maker:make_app"]
)
def test_factories_are_called_as_flask_app_calls_them(forked: Path, spec: str) -> None:
    """``--app MODULE`` and ``--app MODULE:FUNCTION`` call the factory, as ``flask --app``
    does; otherwise a factory's lazy import of the original would pass unseen."""
    build_file_tree(
        forked,
        {
            "kettle/__init__.py": "",
            "kettle/util.py": "X = 1\n",
            "flaskr/__init__.py": FACTORY_APP,
            "maker.py": FACTORY_APP.replace("create_app", "make_app"),
        },
    )
    result = invoke(["check", "--app", spec, "--skip", "behind", "--skip", "reproduce"])
    assert result.exit_code == 1, result.output
    where = "flaskr/__init__.py:7" if spec.startswith("flaskr") else "maker.py:7"
    assert result.stdout.splitlines() == [
        f"teabag: old-import: importing {spec} loads kettle (2 modules: kettle, kettle.util), "
        f"which teabag replaces; first imported from {where}; "
        "import teabag instead (or `graft patch` the extension that imports it).",
    ]


def test_app_object_wins_over_factory_and_factory_arguments(forked: Path) -> None:
    """A module with an ``app`` object is that app (its factory is not called); a
    factory that needs arguments cannot be called and says so."""
    build_file_tree(
        forked,
        {
            "kettle/__init__.py": "",
            "has_app.py": "import teabag\napp = object()\ndef create_app():\n    import kettle\n",
            "needs_args.py": "def create_app(config):\n    import kettle\n",
        },
    )
    skips = ["--skip", "behind", "--skip", "reproduce"]
    assert invoke(["check", "--app", "has_app", *skips]).exit_code == 0
    result = invoke(["check", "--app", "needs_args", *skips])
    assert result.exit_code == 1
    assert (
        "import-failed: importing needs_args fails: create_app() needs arguments" in result.stdout
    )


def test_many_submodules_are_one_line_and_all_in_json(forked: Path) -> None:
    build_file_tree(
        forked,
        {
            "kettle/__init__.py": "from . import a, b, c, d\n",
            **{f"kettle/{n}.py": "" for n in "abcd"},
            "leaky.py": "\n\nimport kettle\n",
        },
    )
    skips = ["--skip", "behind", "--skip", "reproduce"]
    result = invoke(["check", "--app", "leaky", *skips])
    assert result.stdout.splitlines() == [
        "teabag: old-import: importing leaky loads kettle (5 modules: kettle, kettle.a, kettle.b, "
        "...), which teabag replaces; first imported from leaky.py:3; "
        "import teabag instead (or `graft patch` the extension that imports it).",
    ]
    data = json.loads(invoke(["check", "--app", "leaky", "--format", "json", *skips]).stdout)
    assert data["problems"][0]["modules"] == [
        "kettle",
        "kettle.a",
        "kettle.b",
        "kettle.c",
        "kettle.d",
    ]


def test_no_app_configured_is_a_note(forked: Path) -> None:
    text = (forked / "pyproject.toml").read_text()
    (forked / "pyproject.toml").write_text(text.replace('app = "shop"\n', ""))
    git_commit_all(forked, "no app")
    result = invoke(["check", "--skip", "behind"])
    assert result.exit_code == 0, result.output
    assert "note: imports: not checked; pass --app MODULE" in result.stderr


def test_sync_in_progress_and_unreadable_source(forked: Path) -> None:
    path = forked / "teabag" / "util.py"
    path.write_text(
        path.read_text().replace("result = thing.strip()", "result = thing.strip().lower()")
    )
    git_commit_all(forked, "overlapping edit")
    assert sync(cwd=forked, ref="v2.0").status == "conflicts"
    result = invoke(["check", "--skip", "reproduce"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("teabag: sync-in-progress: a sync to kettle v2.0")
    assert any(line.startswith("teabag/util.py:") and "conflict-markers" in line for line in lines)
    git(forked, "merge", "--abort")
    shutil.rmtree(forked.parent / "upstream")
    result = invoke(["check"])
    assert result.exit_code == 1
    assert result.stdout.startswith("teabag: source: cannot tell whether it is behind:")
    assert "note: teabag: snapshot not verified:" in result.stderr


def test_unknown_name_and_usage(forked: Path) -> None:
    result = invoke(["check", "nope"])
    assert result.exit_code == 1 and "Error: no vendored package named 'nope'" in result.stderr
    assert invoke(["check", "--skip", "everything"]).exit_code == 2
    assert (
        "4  the only problems are forks behind their upstream" in invoke(["check", "--help"]).stdout
    )


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (b"a\n<<<<<<< ours\nb\n=======\nc\n>>>>>>> theirs\n", [2]),
        (b"<<<<<<<\nx\n|||||||\ny\n=======\nz\n>>>>>>>\n<<<<<<< a\n>>>>>>> b\n", [1, 8]),
        (b"<<<<<<< only an opening line\n", []),
        (b"x = '<<<<<<<<< not a marker'\n<<<<<<<<\n>>>>>>>>\n", []),
        (b"\0binary <<<<<<< \n>>>>>>> \n", []),
    ],
)
def test_conflict_marker_lines(text: bytes, lines: list[int]) -> None:
    assert conflict_marker_lines(text) == lines


def test_app_and_old_roots_from_the_manifest() -> None:
    text = (
        '[tool.graft]\napp = "shop:create_app()"\n\n[tool.graft.packages.teabag]\n'
        'kind = "fork"\nsource = "kettle"\nsource-kind = "distribution"\npackage = "kettle"\n'
        'path = "teabag"\nmaps = ["kettle=teabag", "spout=teabag.spout"]\nrevision = "1"\n'
        f'upstream-tree = "{"a" * 40}"\nfingerprint = "x"\nsnapshot = "{"b" * 40}"\n'
        f'snapshot-tree = "{"c" * 40}"\ngraft-version = "0"\n'
    )
    assert app_from_pyproject(text) == "shop:create_app()"
    assert app_from_pyproject("[tool.graft]\n") is None and app_from_pyproject("not toml [") is None
    assert old_roots(parse_manifest(text).entries) == {"kettle": "teabag", "spout": "teabag"}
    patched = (
        text.replace("[tool.graft.packages.teabag]", "[tool.graft.packages.flask_login]")
        .replace('kind = "fork"', 'kind = "patch"')
        .replace('package = "kettle"', 'package = "flask_login"')
    ).replace(
        'maps = ["kettle=teabag", "spout=teabag.spout"]',
        'maps = ["flask=acme_web", "flask.json.x=z"]',
    )
    assert old_roots(parse_manifest(patched).entries) == {"flask": "acme_web"}
