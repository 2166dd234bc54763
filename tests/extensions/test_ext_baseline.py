"""The harness itself: each unmodified suite on real Flask reaches the documented count.

If these fail, the counts the vial runs are compared with are wrong (a changed dependency,
a changed PyPI artefact), not vial.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import suites


@pytest.mark.slow
@pytest.mark.parametrize("dist", suites.CI_SUITES)
def test_suite_on_flask(
    dist: str, extension_cache: Path, suite_python: Path, flask_overlay: Path, tmp_path: Path
) -> None:
    """One CI suite, unmodified, on real Flask 3.1.3: its documented counts, exactly.

    5 to 40 s each (flask-migrate's `flask db` subprocesses and flask-smorest's 554 tests
    the longest); the first one also builds the venv and the overlay when the cache is
    empty (about 60 s).
    """
    suite = suites.SUITES[dist]
    suite_dir = suites.copy_suite(suite, extension_cache, tmp_path)
    commands = suites.write_launchers(tmp_path / "bin", suite_python, {"flask": "flask.cli"})
    result = suites.run_suite(suite, suite_dir, suite_python, [flask_overlay], commands=commands)
    assert result.matches_flask, result.summary() + "\n" + result.output[-4000:]


@pytest.mark.slow
def test_flask_is_not_importable_without_the_overlay(suite_python: Path, tmp_path: Path) -> None:
    """The venv the vial runs use has no Flask of its own; the blocker makes sure of it (<1 s)."""
    import subprocess

    blocker_dir = tmp_path / "site"
    suites.write_flask_blocker(blocker_dir)
    for path in ([], [blocker_dir]):
        proc = subprocess.run(
            [str(suite_python), "-c", "import flask"],
            env={"PYTHONPATH": ":".join(map(str, path)), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode != 0
        assert "ModuleNotFoundError" in proc.stderr or "ImportError" in proc.stderr
