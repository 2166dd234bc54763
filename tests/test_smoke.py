"""The installed distributions expose both import packages and both console scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
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


def test_manifest_error_is_a_value_error_with_a_hint() -> None:
    from graft.errors import ManifestError

    error = ManifestError("[tool.graft] is not a table.", hint="Fix pyproject.toml.")
    assert isinstance(error, ValueError)
    assert error.exit_code == 1
    assert error.format_message() == "[tool.graft] is not a table. Fix pyproject.toml."


def test_public_api_loads_lazily() -> None:
    code = (
        "import sys, graft\n"
        "assert 'libcst' not in sys.modules and 'git' not in sys.modules\n"
        "for name in graft.__all__: getattr(graft, name)\n"
        "import graft.fork, graft.sync\n"
        "assert callable(graft.vendor) and callable(graft.plan_sync)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "options", [["--map", "pkg=newpkg"], ["--profile", "flask-vial"]], ids=["map", "profile"]
)
def test_rewrite_loads_no_gitpython(tmp_path: Path, options: list[str]) -> None:
    """``graft rewrite`` reads no repository: GitPython's import stays out of its start-up."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("import pkg.b\nimport flask\n")
    code = (
        "import sys\n"
        "from graft.cli import main\n"
        f"main(['rewrite', 'pkg', *{options!r}], standalone_mode=False)\n"
        "assert 'git' not in sys.modules, 'graft rewrite imported GitPython'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "pkg" / "a.py").read_text() != "import pkg.b\nimport flask\n"


def test_interrupt_after_the_point_of_no_return_is_not_a_failure() -> None:
    """Ctrl-C while a completed fork or sync is being reported exits 0 and says what was done."""
    import click

    from graft import interrupts
    from graft.cli import COMMANDS, main

    @click.command()
    def finish() -> None:
        interrupts.mark_completed("the merge commit abc123")
        raise KeyboardInterrupt

    @click.command()
    def early() -> None:
        raise KeyboardInterrupt

    main.add_command(finish)
    main.add_command(early)
    try:
        done = CliRunner().invoke(main, ["finish"])
        assert done.exit_code == 0
        assert "the merge commit abc123 was completed" in done.output
        failed = CliRunner().invoke(main, ["early"])
        assert failed.exit_code == 130
        assert "Error: interrupted" in failed.output
    finally:
        main.commands.pop("finish")
        main.commands.pop("early")
    assert "finish" not in COMMANDS
