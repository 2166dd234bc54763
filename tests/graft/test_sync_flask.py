"""The real thing: fork Flask 3.0.3, sync to the installed Flask 3.1, with local changes.

Flask 3.0.3 is installed from PyPI into a directory cached across test sessions and
found through ``--search-path``; the 3.1 release is the test dependency in the venv.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from conftest import FLASK_OLD, edit, git, git_commit_all, invoke, make_app, snapshot_state
from test_fork import run_app_check

from graft.manifest import parse_manifest


@pytest.mark.slow
def test_fork_flask_303_then_sync_to_31(
    flask_303: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = importlib.metadata.version("flask")
    assert new.startswith("3.1")
    app = make_app(tmp_path, "acme_flask")
    monkeypatch.chdir(app)
    result = invoke(["fork", "flask", "myflask", "--search-path", str(flask_303)])
    assert result.exit_code == 0, result.output
    entry = parse_manifest((app / "pyproject.toml").read_text()).select("myflask")
    assert entry.revision == FLASK_OLD
    assert "from click.testing import Result" not in (app / "myflask" / "testing.py").read_text()
    # A change in a function 3.1 leaves alone.
    edit(
        app / "myflask" / "logging.py",
        "def wsgi_errors_stream() -> t.TextIO:",
        "def wsgi_errors_stream() -> t.TextIO:  # acme: reviewed",
    )
    git_commit_all(app, "acme: review the logging stream")
    start = git(app, "rev-parse", "HEAD").strip()

    # Clean sync to the installed 3.1: our change and 3.1's are both there.
    result = invoke(["sync"])
    assert result.exit_code == 0, result.output
    assert f"Merged flask {new}" in result.output
    assert "# acme: reviewed" in (app / "myflask" / "logging.py").read_text()
    assert "from click.testing import Result" in (app / "myflask" / "testing.py").read_text()
    assert parse_manifest((app / "pyproject.toml").read_text()).select(None).revision == new
    assert git(app, "status", "--porcelain") == ""
    run_app_check(app, "flask")
    assert "already up to date" in invoke(["sync"]).output

    # Again from 3.0.3, now with a change that overlaps 3.1's: conflict, then abort.
    git(app, "reset", "-q", "--hard", start)
    edit(
        app / "myflask" / "__init__.py",
        " Flask 3.1. Use feature detection or",
        " Flask 4. Use feature detection or",
    )
    git_commit_all(app, "acme: postpone the deprecation")
    before = snapshot_state(app)
    result = invoke(["sync"])
    assert result.exit_code == 3, result.output
    assert "myflask/__init__.py" in result.output
    assert "UU myflask/__init__.py" in git(app, "status", "--porcelain")
    assert invoke(["sync", "--abort"]).exit_code == 0
    assert snapshot_state(app) == before
