"""``python -m vial`` reaches the same CLI as the ``vial`` console script (forks have no script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_python_m_vial_lists_routes(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(
        "from vial import Vial\n"
        "app = Vial(__name__)\n\n"
        "@app.route('/greet/<name>')\n"
        "def greet(name):\n"
        "    return name\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "vial", "--app", "hello", "routes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "/greet/<name>" in proc.stdout
    assert "Usage" not in proc.stdout


def test_python_m_vial_without_an_app_names_the_fix(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vial", "routes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "--app" in proc.stderr
    assert "Traceback" not in proc.stderr
