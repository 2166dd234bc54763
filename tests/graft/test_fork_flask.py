"""Fork the real Flask (installed as a test dependency) and run an app on the fork."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, make_app
from test_fork import run_app_check

from graft.fork import fork


def test_fork_flask_serves_app_without_flask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, "acme_flask")
    monkeypatch.chdir(app)
    report = fork("flask", "myflask")
    assert report.source_kind == "distribution" and report.package == "flask"
    assert git(app, "status", "--porcelain") == ""
    assert (app / "myflask" / "sansio" / "app.py").exists()
    assert not list((app / "myflask").rglob("*.pyc"))
    run_app_check(app, "flask")
