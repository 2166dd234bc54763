"""A patched real extension follows a new release with ``graft sync``, keeping the app's edit.

Story: the app (on vial) patches flask-login 0.6.2 as installed from PyPI, then edits the
patched copy; flask-login 0.6.3 comes out; ``graft sync flask_login`` merges it, rewritten
for vial, and the 0.6.3 suite passes on the result as on Flask.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import patched
import pytest
import suites


@pytest.mark.slow
def test_sync_flask_login_to_its_next_release(
    extension_cache: Path, suite_python: Path, flask_overlay: Path, tmp_path: Path
) -> None:
    """About 15 s: one patch, one sync, flask-login's suite once (CI's venv and overlay)."""
    old = suites.ensure_overlay(extension_cache, ["flask-login==0.6.2"])
    new = flask_overlay  # holds flask-login 0.6.3
    home = tmp_path / "home"
    home.mkdir()
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1.0"\n')
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "pyproject.toml"],
        ["commit", "-q", "-m", "app"],
    ):
        subprocess.run(["git", *args], cwd=root, env=patched.git_env(home), check=True)

    patched.graft("patch", "flask-login", "--search-path", str(old), cwd=root, home=home)
    about = root / "flask_login" / "__about__.py"
    assert '__version_info__ = ("0", "6", "2")' in about.read_text()

    # The app edits its patched copy (a line of its own at the end of utils.py).
    utils = root / "flask_login" / "utils.py"
    utils.write_text(utils.read_text() + "\n\nAPP_LOCAL_EDIT = True\n")
    for args in (["add", "flask_login/utils.py"], ["commit", "-q", "-m", "app: tweak flask_login"]):
        subprocess.run(["git", *args], cwd=root, env=patched.git_env(home), check=True)

    out = patched.graft("sync", "flask_login", "--search-path", str(new), cwd=root, home=home)
    assert "0.6.3" in out
    assert '__version_info__ = ("0", "6", "3")' in about.read_text()
    merged = utils.read_text()
    assert "APP_LOCAL_EDIT = True" in merged and "from vial import" in merged
    assert "from flask import" not in merged
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=root,
        env=patched.git_env(home),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == ""

    suites.write_flask_blocker(tmp_path / "site")
    app = patched.PatchedApp(
        "vial",
        root,
        (tmp_path / "site", root, suites.REPO_ROOT / "framework"),
        {},
        tmp_path / "wheels",
        python=suite_python,
    )
    suite = suites.SUITES["flask-login"]
    result = patched.run_patched(suite, app, extension_cache, tmp_path)
    assert (result.passed, result.failures) == (suite.expected_passed, ()), result.output[-4000:]
