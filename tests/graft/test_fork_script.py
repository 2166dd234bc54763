"""graft fork --script: a console script for the fork in the app's [project.scripts].

A fork has no console script of its own (``python -m acme_web`` always works); on request
graft adds one to the app's ``pyproject.toml`` with tomlkit, in the fork's commit, and
records its name in the fork's entry.
"""

from __future__ import annotations

import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import tomlkit
from click.testing import CliRunner
from conftest import build_file_tree, git, snapshot_state

from graft.cli import main
from graft.manifest import parse_manifest

# What pip's generated console script does: load the entry point and call it, here with
# the original vial made unimportable so only the fork can answer.
RUN_ENTRY_POINT = """
import sys
sys.modules["vial"] = None
from importlib.metadata import EntryPoint
main = EntryPoint(name="acme-web", value=sys.argv[1], group="console_scripts").load()
sys.argv = ["acme-web", *sys.argv[2:]]
main()
"""


def invoke(args: list[str]) -> t.Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _scripts(app: Path) -> dict[str, str]:
    project = tomlkit.parse((app / "pyproject.toml").read_text()).unwrap()["project"]
    return dict(project.get("scripts", {}))


def test_script_runs_the_forks_cli(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", "vial", "acme_web", "--script", "acme-web"])
    assert result.exit_code == 0, result.output
    assert "Added [project.scripts] acme-web = acme_web.cli:main" in result.output
    # vial-web's own script is vial = vial.cli:main; the fork's is that, renamed.
    assert _scripts(app_repo) == {"acme-web": "acme_web.cli:main"}
    text = (app_repo / "pyproject.toml").read_text()
    assert "line-length = 99  # keep this comment: graft must not touch it" in text
    entry = parse_manifest(text).get("acme_web")
    assert entry is not None and entry.script == "acme-web"
    # In the fork's own commit, nothing left over.
    assert git(app_repo, "status", "--porcelain") == ""
    assert '+acme-web = "acme_web.cli:main"' in git(
        app_repo, "show", "HEAD", "--", "pyproject.toml"
    )
    assert "console script acme-web" in git(app_repo, "log", "-1", "--format=%B")
    proc = subprocess.run(
        [sys.executable, "-c", RUN_ENTRY_POINT, _scripts(app_repo)["acme-web"]]
        + ["--app", "app", "routes"],
        cwd=app_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "/hello/<name>" in proc.stdout


def test_script_with_an_explicit_target_and_json(
    app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    args = ["fork", "vial", "acme_web", "--script", "acme=acme_web.cli:main", "--format", "json"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert '"script": "acme = acme_web.cli:main"' in result.output
    assert _scripts(app_repo) == {"acme": "acme_web.cli:main"}


def test_script_dry_run_shows_it_and_writes_nothing(
    app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    before = snapshot_state(app_repo)
    result = invoke(["fork", "vial", "acme_web", "--script", "acme-web", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would add [project.scripts] acme-web = acme_web.cli:main to pyproject.toml" in (
        result.output
    )
    assert snapshot_state(app_repo) == before


def test_script_from_a_distributions_own_console_script(
    tmp_path: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    build_file_tree(
        site,
        {
            "kettle-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: kettle\nVersion: 1.0\n",
            "kettle-1.0.dist-info/RECORD": "kettle/__init__.py,,\nkettle/cli.py,,\n",
            "kettle-1.0.dist-info/entry_points.txt": (
                "[console_scripts]\nkettle = kettle.cli:run\nother = elsewhere:main\n"
            ),
            "kettle/__init__.py": "",
            "kettle/cli.py": "def run():\n    print('boil')\n",
        },
    )
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", "kettle", "mykettle", "--script", "mk", "--search-path", str(site)])
    assert result.exit_code == 0, result.output
    assert _scripts(app_repo) == {"mk": "mykettle.cli:run"}


def _refusals(app: Path, tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    upstream = tmp_path / "upstream" / "tea"
    build_file_tree(upstream, {"__init__.py": "", "cli.py": "def main():\n    pass\n"})
    return {
        "name": (["--script", "acme web"], "is not a console script name"),
        "module": (["--script", "a=acme_web.nope:main"], "the fork has no module acme_web.nope"),
        "function": (["--script", "a=acme_web.cli:nope"], "acme_web.cli defines no nope"),
        "shape": (["--script", "a=acme_web.cli"], "the target must be MODULE:FUNCTION"),
        "elsewhere": (["--script", "a=flask.cli:main"], "does not run the fork acme_web"),
        "directory": (
            ["--script", "tea"],
            "declares no console script, so graft cannot tell what tea runs",
        ),
    }


@pytest.mark.parametrize(
    "case", ["name", "module", "function", "shape", "elsewhere", "directory", "clash", "project"]
)
def test_script_refusals_change_nothing(
    case: str, tmp_path: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    pyproject = app_repo / "pyproject.toml"
    if case == "clash":
        pyproject.write_text(pyproject.read_text() + '\n[project.scripts]\nacme-web = "other:x"\n')
        args, message = ["--script", "acme-web"], "[project.scripts] already has acme-web"
    elif case == "project":
        pyproject.write_text("[tool.black]\nline-length = 99\n")
        args, message = ["--script", "acme-web"], "pyproject.toml has no [project] table"
    else:
        args, message = _refusals(app_repo, tmp_path)[case]
    if case in ("clash", "project"):
        git(app_repo, "commit", "-qam", "pyproject")
    before = snapshot_state(app_repo)
    source = [str(tmp_path / "upstream" / "tea")] if case == "directory" else ["vial"]
    result = invoke(["fork", *source, "acme_web", *args])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert snapshot_state(app_repo) == before
