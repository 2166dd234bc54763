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
    assert (project / "app" / "main.py").read_text() == APP.replace(
        "import flask", "import myflask"
    ).replace("from flask", "from myflask")
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
    code, out, _ = invoke("rewrite", "app", "--map", "flask=myflask", "--diff")
    assert code == 0
    assert "--- a/app/main.py\n+++ b/app/main.py\n" in out
    assert (
        "-import flask\n-from flask import Flask\n+import myflask\n+from myflask import Flask\n"
        in out
    )
    assert (project / "app" / "main.py").read_text() == APP


def test_diff_alone_changes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like black's and ruff's --diff, a diff is a preview; it used to write the files too."""
    monkeypatch.chdir(project)
    code, out, err = invoke("rewrite", "app", "--map", "flask=myflask", "--diff")
    assert code == 0
    assert "+import myflask\n" in out
    assert (project / "app" / "main.py").read_text() == APP
    assert "would rewrite 1 file" in err


def test_diff_help_says_it_changes_nothing() -> None:
    _, out, _ = invoke("rewrite", "--help")
    assert "change nothing" in " ".join(out.split())


def test_skipped_paths_listed_with_v_and_in_json(tmp_path: Path) -> None:
    """A virtualenv and git-ignored files are left alone, and the report says so."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(APP)
    (tmp_path / "venv" / "lib").mkdir(parents=True)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "venv" / "lib" / "flask_ext.py").write_text("import flask\n")
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "api.py").write_text("import flask\n")
    (tmp_path / ".gitignore").write_text("gen/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code, _, err = invoke("-v", "rewrite", tmp_path, "--profile", "flask-vial")
    assert code == 0, err
    assert f"skipped {tmp_path / 'gen'} (git-ignored)\n" in err
    assert f"skipped {tmp_path / 'venv'} (virtualenv)\n" in err
    assert (
        "rewrote 1 file, 1 checked, 1 finding to review, 2 skipped (not source; -v lists them)."
        in err
    )
    assert (tmp_path / "venv" / "lib" / "flask_ext.py").read_text() == "import flask\n"
    assert (tmp_path / "gen" / "api.py").read_text() == "import flask\n"
    code, out, _ = invoke(
        "rewrite", tmp_path, "--profile", "flask-vial", "--include-ignored", "--format", "json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["changed"] == [str(tmp_path / "gen" / "api.py")]
    assert report["skipped"] == [{"path": str(tmp_path / "venv"), "reason": "virtualenv"}]
    assert (tmp_path / "gen" / "api.py").read_text() == "import vial\n"


def test_interrupt_while_writing_exits_130_with_nothing_changed(project: Path) -> None:
    """130 is documented as "nothing changed"; a Ctrl-C between two writes must make it true."""
    from graft.rewrite.tree import set_write_hook

    for index in range(3):
        (project / "app" / f"more{index}.py").write_text(APP)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    calls: list[Path] = []

    def interrupt_third(path: Path) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt

    set_write_hook(interrupt_third)
    try:
        code, _, err = invoke("rewrite", project, "--map", "flask=myflask", "--jobs", "1")
    finally:
        set_write_hook(None)
    assert code == 130 and "Error: interrupted; nothing was changed." in err
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_non_utf8_file_error_and_hint(tmp_path: Path) -> None:
    """One clear line saying which byte and how to fix it; the hint is not about syntax."""
    bad = tmp_path / "nocookie.py"
    bad.write_bytes(b"import flask\ns = 'caf\xe9'\n")
    code, _, err = invoke("rewrite", tmp_path, "--map", "flask=myflask")
    assert code == 1
    assert (
        f"Error: {bad}:2: not valid UTF-8 (byte 0xe9 at column 9); add a PEP 263 coding cookie or re-encode the file\n"
        in err
    )
    assert "Error: 1 file could not be read or parsed and was left untouched." in err
    assert "syntax" not in err and "codec" not in err and "Traceback" not in err
    assert bad.read_bytes() == b"import flask\ns = 'caf\xe9'\n"
    code, out, _ = invoke("rewrite", tmp_path, "--map", "flask=myflask", "--skip-unparsable")
    assert code == 0 and f"{bad}:2: unparsable: not valid UTF-8" in out


def test_json_report(project: Path) -> None:
    code, out, _ = invoke(
        "rewrite", project, "--map", "flask=myflask", "--format", "json", "--check"
    )
    assert code == 1
    report = json.loads(out)
    assert report["mode"] == "check" and report["written"] is False and report["checked"] == 2
    assert report["changed"] == [str(project / "app" / "main.py")]
    assert report["findings"] == [
        {
            "path": str(project / "app" / "main.py"),
            "line": 4,
            "kind": "string",
            "message": "'flask.ext' looks like a module path but is not used as one here; left unchanged",
        }
    ]


def test_json_report_carries_diffs_on_request(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code, out, _ = invoke("rewrite", "app", "--map", "flask=myflask", "--format", "json", "--diff")
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
    assert (
        (project / "app" / "main.py")
        .read_text()
        .startswith("import vial\nfrom vial import Vial\napp = Vial(__name__)\n")
    )


def test_entry_points_and_docstrings_options(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('"""Uses flask.json."""\nentry_points(group="flask.commands")\n')
    code, _, _ = invoke(
        "rewrite", source, "--map", "flask=myflask", "--entry-points", "rename", "--docstrings"
    )
    assert code == 0
    assert (
        source.read_text() == '"""Uses myflask.json."""\nentry_points(group="myflask.commands")\n'
    )


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
        [
            sys.executable,
            "-m",
            "graft",
            "rewrite",
            str(project),
            "--map",
            "flask=myflask",
            "--format",
            "json",
        ],
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
    code = (
        "import sys, graft.rewrite, graft.cli.rewrite;"
        " print(sorted(m for m in sys.modules if m == 'git' or m.startswith('git.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


FACTORY = """import os
from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    app.config.from_prefixed_env(prefix="FLASK")
    app.config.from_envvar("FLASK_SETTINGS", silent=True)
    if os.environ.get("FLASK_DEBUG"):
        pass
    return app
"""


def test_environment_variables_and_deployment_files_are_reported(tmp_path: Path) -> None:
    """The app reads VIAL_* after the rewrite; every place that sets or reads FLASK_* is reported."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text(FACTORY)
    (tmp_path / "settings.py").write_text('SECRET = __import__("os").environ["FLASK_SECRET_KEY"]\n')
    (tmp_path / ".flaskenv").write_text("FLASK_APP=app\nFLASK_DEBUG=1\n")
    (tmp_path / "Dockerfile").write_text("FROM python\nENV FLASK_APP=app\nCMD flask run\n")
    (tmp_path / "Procfile").write_text("web: flask run\n")
    (tmp_path / "run.sh").write_text("export FLASK_ENV=x\n")
    (tmp_path / "setup.py").write_text(
        'from setuptools import setup\nsetup(install_requires=["Flask>=3", "click"])\n'
    )
    code, out, err = invoke("rewrite", tmp_path, "--profile", "flask-vial", "--format", "json")
    assert code == 0, err
    found = {
        (Path(f["path"]).relative_to(tmp_path).as_posix(), f["line"], f["kind"]): f["message"]
        for f in json.loads(out)["findings"]
    }
    assert "pass prefix='FLASK'" in found[("app/__init__.py", 7, "env")]
    assert ("app/__init__.py", 8, "env") not in found  # an explicit prefix keeps reading FLASK_*
    assert "VIAL_SETTINGS" in found[("app/__init__.py", 9, "env")]
    assert "VIAL_DEBUG" in found[("app/__init__.py", 10, "env")]
    assert "VIAL_SECRET_KEY" in found[("settings.py", 1, "env")]
    assert ".vialenv" in found[(".flaskenv", 0, "env")]
    assert (
        "VIAL_APP" in found[(".flaskenv", 1, "env")]
        and "VIAL_DEBUG" in found[(".flaskenv", 2, "env")]
    )
    assert "VIAL_APP" in found[("Dockerfile", 2, "env")]
    assert "flask run" in found[("Dockerfile", 3, "file")]
    assert ("Procfile", 1, "file") in found and ("run.sh", 1, "env") in found
    # A requirement on Flask becomes one on vial-web, the distribution that installs vial.
    assert ("setup.py", 2, "distribution") not in found
    assert 'install_requires=["vial-web>=0.1.0", "click"]' in (tmp_path / "setup.py").read_text()
    assert (
        "VIAL_SETTINGS" not in (tmp_path / "app" / "__init__.py").read_text()
    )  # and nothing renamed
    # Named explicitly, the deployment files are reported as well.
    code, out, err = invoke(
        "rewrite",
        tmp_path / ".flaskenv",
        tmp_path / "Dockerfile",
        "--profile",
        "flask-vial",
        "--format",
        "json",
    )
    assert code == 0, err
    assert len(json.loads(out)["findings"]) == 5
