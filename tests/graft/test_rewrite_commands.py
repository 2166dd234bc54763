"""Console commands and environment variables in client code: case 39 of REWRITE_CASES.md.

The rule: where the options declare what the new package answers to (the
``flask-vial`` profile: ``flask`` -> ``vial``, ``FLASK_*`` -> ``VIAL_*``; redirected to a
fork of vial: ``python -m acme_web``, ``ACME_WEB_*``, because vial derives both from its
package name), the argv lists and shell commands given to subprocess calls and the
variables the code sets for the framework follow. Reads stay (the deployment sets
them; ``graft rewrite`` reports them). With a plain map nothing is declared, so nothing
changes and the report claims no new name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rewrite_helpers import assert_rewrite

from graft.cli import main
from graft.rewrite import RewriteOptions, rewrite_tree
from graft.rewrite.profiles import FLASK_VIAL, SURFACES

VIAL = RewriteOptions(
    commands=SURFACES["flask-vial"].commands, env_prefixes=SURFACES["flask-vial"].env_prefixes
)
_fork_commands, _fork_prefixes = SURFACES["flask-vial"].for_target("acme_web")
FORK = RewriteOptions(commands=_fork_commands, env_prefixes=_fork_prefixes)
FORK_MAP = FLASK_VIAL.redirect("vial", "acme_web")

# (id, before, after) under the flask-vial profile.
VIAL_ROWS = [
    (
        "argv-list",
        'subprocess.run(["flask", "db", "upgrade"], check=True)\n',
        'subprocess.run(["vial", "db", "upgrade"], check=True)\n',
    ),
    (
        "argv-tuple-check-output",
        'subprocess.check_output(("flask", "routes"))\n',
        'subprocess.check_output(("vial", "routes"))\n',
    ),
    (
        "argv-keyword",
        'subprocess.Popen(args=["flask", "run"])\n',
        'subprocess.Popen(args=["vial", "run"])\n',
    ),
    (
        "shell-string",
        'import os\nos.system("flask run --port 5001")\n',
        'import os\nos.system("vial run --port 5001")\n',
    ),
    (
        "shell-true",
        'subprocess.run("flask db upgrade", shell=True)\n',
        'subprocess.run("vial db upgrade", shell=True)\n',
    ),
    (
        "env-mapping-of-a-subprocess",
        'subprocess.run(cmd, env={"FLASK_APP": "app.py", "PATH": p})\n',
        'subprocess.run(cmd, env={"VIAL_APP": "app.py", "PATH": p})\n',
    ),
    (
        "env-spread-from-os-environ",
        'import os\nenv = {**os.environ, "FLASK_DEBUG": "1"}\n',
        'import os\nenv = {**os.environ, "VIAL_DEBUG": "1"}\n',
    ),
    (
        "os-environ-assignment-and-del",
        'import os\nos.environ["FLASK_APP"] = "x"\ndel os.environ["FLASK_APP"]\n',
        'import os\nos.environ["VIAL_APP"] = "x"\ndel os.environ["VIAL_APP"]\n',
    ),
    (
        "os-environ-setdefault-and-pop",
        'import os\nos.environ.setdefault("FLASK_APP", "x")\nos.environ.pop("FLASK_APP", None)\n',
        'import os\nos.environ.setdefault("VIAL_APP", "x")\nos.environ.pop("VIAL_APP", None)\n',
    ),
    (
        "os-environ-update",
        'import os\nos.environ.update({"FLASK_RUN_PORT": "1"})\n',
        'import os\nos.environ.update({"VIAL_RUN_PORT": "1"})\n',
    ),
    (
        "monkeypatch",
        'def test(monkeypatch):\n    monkeypatch.setenv("FLASK_APP", "x")\n    monkeypatch.delenv("FLASK_DEBUG")\n',
        'def test(monkeypatch):\n    monkeypatch.setenv("VIAL_APP", "x")\n    monkeypatch.delenv("VIAL_DEBUG")\n',
    ),
    (
        "patch-dict-os-environ",
        'import os\nfrom unittest import mock\nmock.patch.dict(os.environ, {"FLASK_APP": "x"})\n',
        'import os\nfrom unittest import mock\nmock.patch.dict(os.environ, {"VIAL_APP": "x"})\n',
    ),
    (
        "from-os-import-environ",
        'from os import environ\nenviron["FLASK_APP"] = "x"\n',
        'from os import environ\nenviron["VIAL_APP"] = "x"\n',
    ),
]

# (id, code): never changed under the profile.
VIAL_KEPT = [
    ("environment-read", 'import os\ndebug = os.environ.get("FLASK_DEBUG")\n'),
    ("environment-subscript-read", 'import os\napp = os.environ["FLASK_APP"]\n'),
    ("getenv", 'import os\nos.getenv("FLASK_APP")\n'),
    ("list-that-is-not-an-argv", 'subprocess.run(cmd, args=x)\nframeworks = ["flask", "django"]\n'),
    ("second-element", 'subprocess.run(["pip", "install", "flask"])\n'),
    ("lookalike-variable", 'subprocess.run(cmd, env={"FLASKY_APP": "x"})\n'),
    ("bytes-key", 'subprocess.run(cmd, env={b"FLASK_APP": b"x"})\n'),
    ("cli-runner-is-in-process", 'runner.invoke(cli, ["routes"])\n'),
]

# (id, before, after) under the profile redirected to a fork of vial named acme_web.
FORK_ROWS = [
    (
        "argv-becomes-python-dash-m",
        'import sys, subprocess\nsubprocess.run(["flask", "db", "upgrade"])\n',
        'import sys, subprocess\nsubprocess.run([sys.executable, "-m", "acme_web", "db", "upgrade"])\n',
    ),
    (
        "single-quotes-kept",
        "import sys, subprocess\nsubprocess.run(['flask'])\n",
        "import sys, subprocess\nsubprocess.run([sys.executable, '-m', 'acme_web'])\n",
    ),
    (
        "fork-prefix",
        'subprocess.run(cmd, env={"FLASK_APP": "x"})\n',
        'subprocess.run(cmd, env={"ACME_WEB_APP": "x"})\n',
    ),
    (
        "python-dash-m-of-the-old-package",
        'import sys, subprocess\nsubprocess.run([sys.executable, "-m", "flask", "routes"])\n',
        'import sys, subprocess\nsubprocess.run([sys.executable, "-m", "acme_web", "routes"])\n',
    ),
]


@pytest.mark.parametrize(("case", "before", "after"), VIAL_ROWS, ids=[r[0] for r in VIAL_ROWS])
def test_profile_renames(case: str, before: str, after: str) -> None:
    assert_rewrite(before, after, FLASK_VIAL, options=VIAL)


@pytest.mark.parametrize(("case", "code"), VIAL_KEPT, ids=[r[0] for r in VIAL_KEPT])
def test_profile_keeps(case: str, code: str) -> None:
    assert_rewrite(code, code, FLASK_VIAL, options=VIAL)


@pytest.mark.parametrize(("case", "before", "after"), FORK_ROWS, ids=[r[0] for r in FORK_ROWS])
def test_fork_of_vial(case: str, before: str, after: str) -> None:
    assert_rewrite(before, after, FORK_MAP, options=FORK)


def test_fork_without_sys_imported_runs_python_from_path() -> None:
    """No ``sys`` to name the interpreter: ``python`` from the PATH that found ``flask``."""
    assert_rewrite(
        'import subprocess\nsubprocess.run(["flask", "run"])\n',
        'import subprocess\nsubprocess.run(["python", "-m", "acme_web", "run"])\n',
        FORK_MAP,
        options=FORK,
    )


def test_fork_shell_command() -> None:
    assert_rewrite(
        'import os\nos.system("flask run")\nrun_cmd("app.py", "flask db init")\n',
        'import os\nos.system("python -m acme_web run")\nrun_cmd("app.py", "python -m acme_web db init")\n',
        FORK_MAP,
        options=FORK,
    )


def test_plain_map_declares_nothing() -> None:
    """``flask=myflask`` says nothing about a ``myflask`` command or ``MYFLASK_*``: no change."""
    code = 'subprocess.run(["flask", "run"], env={"FLASK_APP": "x"})\n'
    assert_rewrite(code, code)


def test_only_the_surface_reaches_files_without_the_package_name() -> None:
    """A test that only sets ``FLASK_APP`` (no ``flask`` word) is still parsed under the profile."""
    assert_rewrite(
        'def test(monkeypatch):\n    monkeypatch.setenv("FLASK_APP", "x")\n',
        'def test(monkeypatch):\n    monkeypatch.setenv("VIAL_APP", "x")\n',
        FLASK_VIAL,
        options=VIAL,
    )


def test_options_round_trip_and_keep_the_old_fingerprint_form() -> None:
    assert "commands" not in RewriteOptions().to_dict()
    assert RewriteOptions.from_dict(VIAL.to_dict()) == VIAL
    assert FLASK_VIAL.fingerprint(VIAL) != FLASK_VIAL.fingerprint()


def test_vial_really_reads_what_the_profile_says(tmp_path: Path) -> None:
    """The claim behind the profile: vial and a renamed copy read the prefix of their name."""
    import vial.cli
    import vial.config

    assert vial.config.ENV_PREFIX == "VIAL"
    assert vial.cli._PREFIX == "VIAL"
    source = Path(vial.config.__file__).read_text()
    assert "__name__" in source.split("ENV_PREFIX =", 1)[1].splitlines()[0]


def _findings(tmp_path: Path, *args: str) -> dict[tuple[str, int], str]:
    result = CliRunner().invoke(
        main, ["rewrite", str(tmp_path), "--dry-run", "--format", "json", *args]
    )
    assert result.exit_code == 0, result.stderr
    return {
        (Path(f["path"]).name, f["line"]): f["message"]
        for f in json.loads(result.stdout)["findings"]
        if f["kind"] == "env"
    }


def test_report_claims_a_new_prefix_only_where_it_is_known(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('import os\nimport flask\nos.environ.get("FLASK_DEBUG")\n')
    (tmp_path / ".flaskenv").write_text("FLASK_APP=app\n")
    plain = _findings(tmp_path, "--map", "flask=myflask")
    assert "graft cannot tell which variable myflask reads" in plain[("app.py", 3)]
    assert "MYFLASK_DEBUG" not in plain[("app.py", 3)]
    assert "graft cannot tell which file" in plain[(".flaskenv", 0)]
    profile = _findings(tmp_path, "--profile", "flask-vial")
    assert "reads VIAL_DEBUG" in profile[("app.py", 3)]
    assert ".vialenv" in profile[(".flaskenv", 0)]
    fork = _findings(tmp_path, "--profile", "flask-vial", "--target", "acme_web", "--force")
    assert "reads ACME_WEB_DEBUG" in fork[("app.py", 3)]
    assert ".acme_webenv" in fork[(".flaskenv", 0)]


def test_tree_rewrite_with_the_profile(tmp_path: Path) -> None:
    (tmp_path / "test_cli.py").write_text(
        'import subprocess\n\ndef test_db():\n    subprocess.run(["flask", "db", "upgrade"],'
        ' env={"FLASK_APP": "app"})\n'
    )
    tree = rewrite_tree([tmp_path], FLASK_VIAL, options=VIAL)
    assert [f.path.name for f in tree.changed] == ["test_cli.py"]
    assert (
        '["vial", "db", "upgrade"], env={"VIAL_APP": "app"}'
        in (tmp_path / "test_cli.py").read_text()
    )


def test_command_lines_handed_to_helpers() -> None:
    """flask-migrate's suite runs ``run_cmd('app.py', 'flask db init')`` through shlex and Popen."""
    assert_rewrite(
        """
        import os
        os.environ['FLASK_APP'] = app
        (o, e, s) = run_cmd('app.py', 'flask db init')
        run_cmd('app.py', 'flask db migrate -m "initial" --rev-id 1')
        helper("flask is a good framework.")
        print("flask db init")
        """,
        """
        import os
        os.environ['VIAL_APP'] = app
        (o, e, s) = run_cmd('app.py', 'vial db init')
        run_cmd('app.py', 'vial db migrate -m "initial" --rev-id 1')
        helper("flask is a good framework.")
        print("flask db init")
        """,
        FLASK_VIAL,
        options=VIAL,
    )
