"""``graft rewrite`` through click's CliRunner, plus one run through ``python -m graft``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from graft.cli import main

APP = "import flask\nfrom flask import Flask\napp = Flask(__name__)\nx = 'flask.ext'\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(APP)
    (tmp_path / "app" / "plain.py").write_text("import os\n")
    return tmp_path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_rewrites_in_place_and_lists_files_and_findings(project: Path) -> None:
    code, out, err = invoke("rewrite", project, "--map", "flask=myflask")
    assert code == 0, err
    assert (project / "app" / "main.py").read_text() == APP.replace("import flask", "import myflask").replace("from flask", "from myflask")
    assert f"rewrote {project / 'app' / 'main.py'}" in out
    assert f"{project / 'app' / 'main.py'}:4: string:" in out
    assert "rewrote 1 file, 2 checked, 1 finding to review." in err


def test_check_changes_nothing_and_exits_1(project: Path) -> None:
    code, out, _ = invoke("rewrite", project, "--map", "flask=myflask", "--check")
    assert code == 1
    assert f"would rewrite {project / 'app' / 'main.py'}" in out
    assert (project / "app" / "main.py").read_text() == APP
    invoke("rewrite", project, "--map", "flask=myflask")
    code, out, _ = invoke("rewrite", project, "--map", "flask=myflask", "--check")
    assert code == 0 and "would rewrite" not in out


def test_diff_and_dry_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    code, out, _ = invoke("rewrite", "app", "--map", "flask=myflask", "--dry-run", "--diff")
    assert code == 0
    assert "--- a/app/main.py\n+++ b/app/main.py\n" in out
    assert "-import flask\n-from flask import Flask\n+import myflask\n+from myflask import Flask\n" in out
    assert (project / "app" / "main.py").read_text() == APP


def test_json_report(project: Path) -> None:
    code, out, _ = invoke("rewrite", project, "--map", "flask=myflask", "--format", "json", "--check")
    assert code == 1
    report = json.loads(out)
    assert report["mode"] == "check" and report["written"] is False and report["checked"] == 2
    assert report["changed"] == [str(project / "app" / "main.py")]
    assert report["findings"] == [
        {"path": str(project / "app" / "main.py"), "line": 4, "kind": "string", "message": "'flask.ext' looks like a module path but is not used as one here; left unchanged"}
    ]


def test_json_report_carries_diffs_on_request(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    code, out, _ = invoke("rewrite", "app", "--map", "flask=myflask", "--format", "json", "--dry-run", "--diff")
    assert code == 0
    diffs = json.loads(out)["diffs"]
    assert list(diffs) == ["app/main.py"]
    assert diffs["app/main.py"].startswith("--- a/app/main.py\n+++ b/app/main.py\n")


def test_parse_failure_names_file_and_line_and_exits_1(project: Path) -> None:
    bad = project / "app" / "bad.py"
    bad.write_text("import flask\ndef (:\n")
    code, _, err = invoke("rewrite", project, "--map", "flask=myflask")
    assert code == 1
    assert f"Error: {bad}:2: cannot parse" in err
    assert bad.read_text() == "import flask\ndef (:\n"
    assert (project / "app" / "main.py").read_text() != APP, "the good file is still rewritten"
    code, out, _ = invoke("rewrite", project, "--map", "flask=myflask", "--skip-unparsable")
    assert code == 0 and f"{bad}:2: unparsable:" in out


def test_quiet_prints_only_requested_data(project: Path) -> None:
    code, out, err = invoke("-q", "rewrite", project, "--map", "flask=myflask")
    assert code == 0 and out == "" and err == ""


def test_verbose_prints_the_map_fingerprint(project: Path) -> None:
    code, _, err = invoke("-v", "rewrite", project, "--map", "flask=myflask", "--dry-run")
    assert code == 0 and "map: flask=myflask (sha256:" in err


def test_profile_and_extra_maps(project: Path) -> None:
    code, _, _ = invoke("rewrite", project, "--profile", "flask-vial", "--jobs", "1")
    assert code == 0
    assert (project / "app" / "main.py").read_text().startswith("import vial\nfrom vial import Vial\napp = Vial(__name__)\n")


def test_entry_points_and_docstrings_options(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('"""Uses flask.json."""\nentry_points(group="flask.commands")\n')
    code, _, _ = invoke("rewrite", source, "--map", "flask=myflask", "--entry-points", "rename", "--docstrings")
    assert code == 0
    assert source.read_text() == '"""Uses myflask.json."""\nentry_points(group="myflask.commands")\n'


@pytest.mark.parametrize(
    "args",
    [
        ("--map", "flask"),
        ("--map", "flask=not-valid"),
        (),
        ("--profile", "nope"),
    ],
)
def test_usage_errors_exit_2(project: Path, args: tuple[str, ...]) -> None:
    code, _, err = invoke("rewrite", project, *args)
    assert code == 2
    assert "Error" in err


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = invoke("rewrite", tmp_path / "nope", "--map", "flask=myflask")
    assert code == 2


def test_python_m_graft_rewrite(project: Path) -> None:
    """End to end in a subprocess: stdout is data, stderr the summary, no progress off a terminal."""
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "rewrite", str(project), "--map", "flask=myflask", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["changed"] == [str(project / "app" / "main.py")]
    assert "rewriting" not in proc.stderr
    assert "import myflask" in (project / "app" / "main.py").read_text()


def test_importing_the_rewriter_does_not_import_git() -> None:
    """Layering: the engine sits below vcs.py (STYLE.md), so ``graft rewrite`` never pays for git."""
    code = "import sys, graft.rewrite, graft.commands.rewrite; print(sorted(m for m in sys.modules if m == 'git' or m.startswith('git.')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
