"""A patched extension follows its upstream with ``graft sync``, like a fork.

Story: the extension's repository tags v1.2.0; the app patches it to vial and then edits
the patched copy; upstream releases v1.3.0 with a new function; ``graft sync`` merges it,
rewritten for vial, keeping the app's edit.
"""

from __future__ import annotations

import shutil
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, git, git_commit_all

from graft.cli import main
from graft.manifest import parse_manifest

GREETING = FIXTURES / "extensions" / "flask-greeting"


def invoke(*args: str) -> t.Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "flask-greeting"
    shutil.copytree(GREETING, repo)
    git(repo, "init", "-q")
    git_commit_all(repo, "release 1.2.0")
    git(repo, "tag", "v1.2.0")
    return repo


def test_sync_merges_the_next_release_rewritten(
    upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    assert (
        invoke("patch", str(upstream), "--ref", "v1.2.0", "--profile", "flask-vial").exit_code == 0
    )

    # The app edits its patched copy.
    init = app_repo / "flask_greeting" / "__init__.py"
    init.write_text(init.read_text() + "\n\nAPP_LOCAL_TWEAK = True\n")
    git_commit_all(app_repo, "app: tweak the greeting extension")

    # Upstream releases v1.3.0: a new import of Flask and a new helper at the top.
    source = upstream / "src" / "flask_greeting" / "__init__.py"
    text = source.read_text().replace(
        "bp = Blueprint(",
        "from flask import url_for\n\n\ndef greeting_url(name: str) -> str:\n"
        '    return url_for("greeting.greet", name=name)\n\n\nbp = Blueprint(',
        1,
    )
    source.write_text(text)
    git_commit_all(upstream, "release 1.3.0")
    git(upstream, "tag", "v1.3.0")

    result = invoke("sync", "flask_greeting", "--ref", "v1.3.0")
    assert result.exit_code == 0, result.output
    merged = init.read_text()
    assert "from vial import url_for" in merged
    assert "def greeting_url(name: str)" in merged
    assert "APP_LOCAL_TWEAK = True" in merged
    assert "from flask" not in merged
    assert git(app_repo, "status", "--porcelain") == ""
    entry = parse_manifest((app_repo / "pyproject.toml").read_text()).get("flask_greeting")
    assert entry is not None and entry.kind == "patch" and entry.ref == "v1.3.0"
    assert entry.revision == git(upstream, "rev-parse", "v1.3.0").strip()
