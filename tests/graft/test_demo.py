"""``graft demo``: the README's first command, run as a new user would, in temp dirs.

The demo is the project's first impression, so the test runs it end to end in a
subprocess (``python -m graft demo`` with the default DIR, as the Quickstart
does), on a machine whose git has no identity configured, and then checks the
repository it left behind: the story is only worth printing if it is true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git

from graft.cli import main


@pytest.fixture
def no_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh machine: git knows no user.name or user.email."""
    config = tmp_path / "empty-gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.delenv("EMAIL", raising=False)


def test_demo_tells_the_whole_cycle(tmp_path: Path, no_identity: None) -> None:
    (tmp_path / "demo-app").mkdir()  # an empty DIR is fine; the default DIR is ./demo-app
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    out = proc.stdout
    assert "\x1b[" not in out  # not a terminal: no colours
    # The numbered story, in order.
    titles = re.findall(r"(?m)^(\d+)\. (\w+)", out)
    assert [w for _, w in titles] == [
        "Create",
        "Fork",
        "Patch",
        "Serve",
        "Change",
        "Upstream",
        "Sync",
        "Serve",
    ]
    assert "GET /greet/newcomer -> 200  Hello newcomer from app, served by acme_web." in out
    assert "GET /healthz -> 200" in out and '"framework":"acme_web"' in out
    assert out.count("vial loaded: no, flask loaded: no") == 2
    assert "acme_web.__version__ == '0.2.0'; your ACME_BUILD == 'acme-1'" in out

    app = tmp_path / "demo-app"
    # History: app, fork (merge of its snapshot), patch, by-hand fixes, local change, sync merge.
    subjects = git(app, "log", "--first-parent", "--format=%s").splitlines()
    assert subjects[0] == "graft sync acme_web: vial 0.1.0 -> vial 0.2.0"
    assert subjects[-1].startswith("acme: the demo app")
    assert any(s.startswith("graft fork: vial") for s in subjects)
    assert any(s.startswith("graft patch: flask_greeting") for s in subjects)
    parents = git(app, "rev-list", "--parents", "-n", "1", "HEAD").split()
    assert len(parents) == 3  # a real merge commit
    assert git(app, "status", "--porcelain") == ""
    # The merge kept the local change and brought upstream's.
    init = (app / "acme_web" / "__init__.py").read_text(encoding="utf-8")
    assert 'ACME_BUILD = "acme-1"' in init and '__version__ = "0.2.0"' in init
    assert "<<<<<<<" not in init
    assert (app / "acme_web" / "health.py").is_file()
    manifest = (app / "pyproject.toml").read_text(encoding="utf-8")
    assert 'revision = "0.2.0"' in manifest
    assert "# keep this comment: graft must not touch it" in manifest
    # A fresh machine's git had no identity: the demo gave its repository one.
    assert git(app, "config", "user.name").strip() == "graft demo"


@pytest.mark.parametrize("kind", ["non-empty dir", "file"])
def test_demo_refuses_to_overwrite(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "taken"
    if kind == "file":
        target.write_text("mine\n")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["demo", str(target)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Choose another DIR" in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_next_version() -> None:
    from graft.demo import next_version

    assert next_version("0.1.0") == "0.2.0"
    assert next_version("3.9.2") == "3.10.0"
    assert next_version("dev") == "999.0.0"


def test_demo_without_git_is_one_line(tmp_path: Path) -> None:
    """On a machine without git the demo says so, writes nothing, and shows no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "demo", "no-git"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": os.fspath(tmp_path / "empty-bin")},
    )
    assert proc.returncode == 1
    assert proc.stderr == "Error: git is not installed (or not on PATH). Install git and retry.\n"
    assert not (tmp_path / "no-git").exists()
