"""The installed distribution exposes both import packages and both console scripts."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import graft
import vial
from graft.cli import main


def test_version_option() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert graft.__version__ in result.output


def test_python_m_graft() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "Exit codes" in proc.stdout


def test_unknown_command_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2


def test_vial_importable() -> None:
    assert isinstance(vial.__version__, str)
