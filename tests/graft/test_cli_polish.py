"""What users of git, pip and copier expect from any command line, checked for every command.

Each command answers ``--help``; reporting commands take ``--format json`` and print one
JSON document; usage errors exit 2; user mistakes are a single ``Error: ...`` line on
stderr that says what to do, exit 1, never a traceback and never colour codes when the
output is not a terminal; the exit codes are the ones docs/cli.md documents.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import git, make_app

import graft
from graft import errors
from graft.cli import COMMANDS, main
from graft.cli.options import color_choice

ROOT = Path(__file__).resolve().parents[2]
REPORTING = ["fork", "rewrite", "patch", "sync", "status", "diff", "check"]


def commands() -> list[str]:
    return list(main.list_commands(click.Context(main, info_name="graft")))


def get(name: str) -> click.Command:
    command = main.get_command(click.Context(main, info_name="graft"), name)
    assert command is not None, name
    return command


def invoke(args: t.Sequence[str], cwd: Path | None = None) -> t.Any:
    """``graft ARGS`` in ``cwd``, as a user would type it there."""
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), prog_name="graft")
    finally:
        os.chdir(old)


def assert_one_line_error(result: t.Any, code: int = 1, *, contains: str = "") -> None:
    """A user mistake: exit ``code``, one ``Error:`` line on stderr, no traceback, no colour."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.output
    assert "\x1b[" not in result.output
    assert contains in lines[0]


def test_every_registered_command_loads() -> None:
    assert set(commands()) >= set(COMMANDS) - {n for n in COMMANDS if not _available(n)}
    assert "demo" in commands()


def _available(name: str) -> bool:
    import importlib.util

    module = COMMANDS[name].partition(":")[0]
    return importlib.util.find_spec(f"graft.cli.{module}") is not None


@pytest.mark.parametrize("name", commands())
def test_help(name: str) -> None:
    for flag in ("--help", "-h"):
        result = invoke([name, flag])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: graft {name} ")
        assert get(name).help, f"graft {name} has no help text"


@pytest.mark.parametrize("name", commands())
def test_unknown_option_is_a_usage_error(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--no-such-option"])
    assert result.exit_code == errors.EXIT_USAGE == 2
    assert "No such option" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", [n for n in REPORTING if n in commands()])
def test_reporting_commands_take_format_json(name: str) -> None:
    option = next((p for p in get(name).params if "--format" in getattr(p, "opts", ())), None)
    assert option is not None, f"graft {name} has no --format"
    assert isinstance(option.type, click.Choice)
    assert set(option.type.choices) == {"text", "json"}
    assert option.default == "text"


def test_version() -> None:
    for flag in ("--version", "-V"):
        result = CliRunner().invoke(main, [flag])
        assert result.exit_code == 0
        assert result.output == f"graft, version {graft.__version__}\n"


def test_group_help_states_exit_codes() -> None:
    text = CliRunner().invoke(main, ["--help"]).output
    for code in ("0", "1", "2", "3", "4"):
        assert re.search(rf"\b{code}\b", text)
    for flag in ("--quiet", "--verbose", "--version"):
        assert flag in text


def test_exit_codes_match_docs() -> None:
    """The exit-code table in docs/cli.md is the contract; graft.errors must agree with it."""
    table = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = {int(m.group(1)) for m in re.finditer(r"(?m)^\| (\d+) \|", table)}
    constants = {
        errors.EXIT_OK,
        errors.EXIT_ERROR,
        errors.EXIT_USAGE,
        errors.EXIT_CONFLICTS,
        errors.EXIT_BEHIND,
    }
    assert constants == {0, 1, 2, 3, 4}
    assert documented == constants | {130}
    assert errors.ConflictError("x").exit_code == 3
    assert errors.UserError("x").exit_code == 1


def test_documented_commands_exist() -> None:
    """Every ``## graft NAME`` section of docs/cli.md is a real command."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = re.findall(r"(?m)^## graft (\w+)\s*$", text)
    assert documented
    assert set(documented) <= set(commands())
    for name in re.findall(r"(?m)^```\{graft-help\} (\w+)\s*$", text):
        assert name == "graft" or name in commands()


def test_documented_options_exist() -> None:
    """Options named in the docs' prose (``graft CMD ... --opt``) exist on that command."""
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    for page in pages:
        if "_build" in page.parts:
            continue
        for line in page.read_text(encoding="utf-8").splitlines():
            for match in re.finditer(r"\bgraft (\w+)((?: [^`'\"|#;&)]*)?)", line):
                name, rest = match.group(1), match.group(2)
                if name not in commands():
                    continue
                opts = {o for p in get(name).params for o in getattr(p, "opts", ())}
                opts |= {"--help", "-h"}
                for flag in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
                    assert flag in opts, f"{page.name}: graft {name} has no option {flag}: {line}"


# -- colour: a terminal only, unless NO_COLOR, FORCE_COLOR or --color/--no-color say -----

RED_ERROR = "\x1b[31mError: "


@pytest.mark.parametrize(
    ("flag", "environ", "expected"),
    [
        (None, {}, None),
        (None, {"NO_COLOR": "1"}, False),
        (None, {"NO_COLOR": ""}, None),  # set but empty counts as unset (no-color.org)
        (None, {"FORCE_COLOR": "1"}, True),
        (None, {"FORCE_COLOR": "0"}, True),  # any non-empty value (force-color.org)
        (None, {"FORCE_COLOR": ""}, None),
        (None, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (True, {"NO_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_choice(flag: bool | None, environ: dict[str, str], expected: bool | None) -> None:
    assert color_choice(flag, environ) == expected


@pytest.mark.parametrize(
    ("args", "env", "terminal", "coloured"),
    [
        ([], {}, True, True),
        ([], {}, False, False),
        ([], {"NO_COLOR": "1"}, True, False),
        ([], {"FORCE_COLOR": "1"}, False, True),
        ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        (["--no-color"], {"FORCE_COLOR": "1"}, True, False),
        (["--color"], {"NO_COLOR": "1"}, False, True),
    ],
)
def test_error_colour_follows_the_settings(
    tmp_path: Path, args: list[str], env: dict[str, str], terminal: bool, coloured: bool
) -> None:
    """``color=True`` makes CliRunner's output behave like a terminal."""
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(
            main, [*args, "fork", "vial", "acme_web"], env=env, color=terminal
        )
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output
    assert (RED_ERROR in result.stderr) is coloured, repr(result.stderr)


def test_force_color_reaches_a_pipe_from_python_m_graft(tmp_path: Path) -> None:
    env = {**os.environ, "FORCE_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "fork", "vial", "acme_web"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr.startswith(RED_ERROR), proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "fork", "vial", "acme_web"],
        cwd=tmp_path,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr.startswith("Error: "), proc.stderr


# -- user mistakes: one line, exit 1 --------------------------------------------------


def test_fork_outside_a_repository(tmp_path: Path) -> None:
    assert_one_line_error(invoke(["fork", "vial", "acme_web"], cwd=tmp_path), contains="git")


def test_fork_with_a_keyword_name(app_repo: Path) -> None:
    result = invoke(["fork", "vial", "class"], cwd=app_repo)
    assert_one_line_error(result)
    assert git(app_repo, "status", "--porcelain") == ""


def test_fork_in_a_dirty_tree(app_repo: Path) -> None:
    (app_repo / "app.py").write_text("changed\n")
    assert_one_line_error(
        invoke(["fork", "vial", "acme_web"], cwd=app_repo), contains="commit or stash"
    )


def test_fork_of_an_unknown_source(app_repo: Path) -> None:
    assert_one_line_error(
        invoke(["fork", "no-such-dist-xyz", "acme_web"], cwd=app_repo), contains="no-such-dist-xyz"
    )


@pytest.mark.parametrize(
    "name", [n for n in ("sync", "status", "diff", "check") if n in commands()]
)
def test_commands_without_a_recorded_fork(app_repo: Path, name: str) -> None:
    result = invoke([name], cwd=app_repo)
    if name == "status" and result.exit_code == 0:
        return  # "no forks recorded" is a fine answer for status
    assert_one_line_error(result)


def test_patch_of_an_unknown_extension(app_repo: Path) -> None:
    assert_one_line_error(
        invoke(["patch", "no-such-extension-xyz", "--profile", "flask-vial"], cwd=app_repo)
    )


def test_sync_continue_without_a_sync(app_repo: Path) -> None:
    assert_one_line_error(invoke(["sync", "--continue"], cwd=app_repo))


def test_sync_continue_and_abort_together_is_usage(app_repo: Path) -> None:
    result = invoke(["sync", "--continue", "--abort"], cwd=app_repo)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_rewrite_of_an_unparsable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import vial\ndef broken(:\n")
    result = invoke(["rewrite", str(bad), "--map", "vial=acme_web"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "bad.py:2" in result.output and "Traceback" not in result.output
    assert bad.read_text() == "import vial\ndef broken(:\n"


# -- --format json prints one JSON document -------------------------------------------


def test_json_reports(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    forked = invoke(["fork", "vial", "acme_web", "--format", "json"], cwd=app)
    assert forked.exit_code == 0, forked.output
    data = json.loads(forked.stdout)
    assert data["name"] == "acme_web" and data["commit"]
    synced = invoke(["sync", "--format", "json"], cwd=app)
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["status"] == "up-to-date"
    for name in ("status", "diff"):
        if name in commands():
            result = invoke([name, "--format", "json"], cwd=app)
            assert result.exit_code == 0, result.output
            json.loads(result.stdout)
    (app / "mod.py").write_text("import vial\n")
    rewritten = invoke(["rewrite", "mod.py", "--map", "vial=acme_web", "--format", "json"], cwd=app)
    assert rewritten.exit_code == 0, rewritten.output
    json.loads(rewritten.stdout)
    assert (app / "mod.py").read_text() == "import acme_web\n"


def test_quiet_fork_prints_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    result = invoke(["-q", "fork", "vial", "acme_web"], cwd=app)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_shell_completion_as_documented() -> None:
    """docs/cli.md tells users to eval `_GRAFT_COMPLETE=bash_source graft`; it must work."""
    assert "_GRAFT_COMPLETE=bash_source graft" in (ROOT / "docs" / "cli.md").read_text("utf-8")
    script = CliRunner().invoke(main, [], prog_name="graft", env={"_GRAFT_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_graft_completion()" in script.output
    words = CliRunner().invoke(
        main,
        [],
        prog_name="graft",
        env={"_GRAFT_COMPLETE": "bash_complete", "COMP_WORDS": "graft sy", "COMP_CWORD": "1"},
    )
    assert words.output.split() == ["plain,sync"]


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_after_the_command_as_git_and_pip_take_it(tmp_path: Path, flag: str) -> None:
    """``graft fork ... -q``, ``graft sync -q``, ``graft status -q`` behave as ``graft -q CMD``."""
    app = make_app(tmp_path)
    result = invoke(["fork", "vial", "acme_web", flag], cwd=app)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    for name in ("sync", "status"):
        before = invoke(["-q", name], cwd=app)
        after = invoke([name, flag], cwd=app)
        assert after.exit_code == before.exit_code, after.output
        assert (after.stdout, after.stderr) == (before.stdout, before.stderr)
        assert after.exit_code == 0 and after.stderr == "", after.output


def test_verbose_after_the_command_and_quiet_wins(tmp_path: Path) -> None:
    """``CMD -v`` counts like ``graft -v CMD``; ``-q`` in either position still wins."""
    app = make_app(tmp_path)
    assert invoke(["fork", "vial", "acme_web", "-q"], cwd=app).exit_code == 0
    for args in (
        ["-v", "status"],
        ["status", "-v"],
        ["status", "-vv", "-q"],
        ["-q", "status", "-v"],
    ):
        assert invoke(args, cwd=app).exit_code == 0, args
    seen: list[dict[str, t.Any]] = []

    @click.command()
    @click.pass_context
    def probe(ctx: click.Context) -> None:
        seen.append(dict(ctx.obj))

    main.add_command(probe, "probe-settings")
    try:
        for args in (
            ["probe-settings", "-vv"],
            ["-v", "probe-settings", "-v"],
            ["probe-settings", "-v", "-q"],
            ["-q", "probe-settings", "-v"],
        ):
            assert invoke(args).exit_code == 0, args
    finally:
        main.commands.pop("probe-settings")
    assert seen == [
        {"quiet": False, "verbose": 2},
        {"quiet": False, "verbose": 2},
        {"quiet": True, "verbose": 0},
        {"quiet": True, "verbose": 0},
    ]
