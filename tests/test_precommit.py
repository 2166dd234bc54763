"""pre-commit: the repository's own hooks agree with CI, and the hooks it offers work.

``.pre-commit-config.yaml`` is this repository's; ``.pre-commit-hooks.yaml`` lists the hooks
other repositories use (``graft check``, ``graft rewrite --check``).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from graft.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _test_extra_pin(name: str) -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(rf'"{name}==([^"]+)"', text)
    assert match, f"{name} is not pinned in pyproject.toml"
    return match.group(1)


def test_ruff_hooks_pin_the_ruff_ci_uses() -> None:
    """The hook, CI and a contributor's venv format with the same ruff, or they fight."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    pin = _test_extra_pin("ruff")
    for hook_id in ("ruff-check", "ruff-format"):
        assert hooks[hook_id]["additional_dependencies"] == [f"ruff=={pin}"]
    assert importlib.metadata.version("ruff") == pin


def _manifest() -> dict[str, dict[str, t.Any]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_offered_hooks_run_graft_commands_that_exist() -> None:
    """Each hook's entry is a graft command line whose options parse."""
    hooks = _manifest()
    assert sorted(hooks) == ["graft-check", "graft-rewrite-check"]
    for hook in hooks.values():
        assert hook["language"] == "python"
        # pre-commit runs `pip install . ./framework` in its clone: the tool with the
        # framework of the same commit, as from a clone by hand.
        assert hook["additional_dependencies"] == ["./framework"]
        program, *args = shlex.split(hook["entry"])
        assert program == "graft"
        result = CliRunner().invoke(main, [*args, "--help"])
        assert result.exit_code == 0, result.output
    assert hooks["graft-check"]["pass_filenames"] is False
    assert "--skip" in hooks["graft-check"]["entry"]  # behind is for the scheduled job


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the module: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository's files as they are now (committed or not), as one commit elsewhere.

    ``pre-commit try-repo`` does the same with uncommitted changes; doing it here gives a
    fixed repository and revision, so try-repo and a config naming them share one hook
    environment.
    """
    repo = tmp_path_factory.mktemp("hook-repo")
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "graft")
    return repo, _git(repo, "rev-parse", "HEAD").strip()


def _pre_commit(app: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=app,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
        capture_output=True,
        text=True,
        check=False,
    )


def _forked_app(tmp_path: Path) -> Path:
    """An app repository with vial forked into it as acme_web, committed by graft."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1.0"\n')
    (app / "app.py").write_text("import acme_web\n\napp = acme_web.Vial(__name__)\n")
    _git(app, "init", "-q", "-b", "main")
    _git(app, "add", "-A")
    _git(app, "commit", "-q", "-m", "An app")
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "-q", "fork", "vial", "acme_web"],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return app


@pytest.mark.slow
def test_graft_check_hook_through_try_repo(
    tmp_path: Path, pre_commit_home: Path, hook_repo: tuple[Path, str]
) -> None:
    """``pre-commit try-repo`` runs this repository's graft-check hook in an app with a fork.

    pre-commit builds the hook environment as it would for any user: a virtualenv with
    ``pip install . ./framework`` from its own clone of this repository (libcst, GitPython,
    Werkzeug... from the index or pip's cache). About 40 s on an idle machine, nearly all
    of it that install; the next test reuses the environment.
    """
    repo, rev = hook_repo
    app = _forked_app(tmp_path)
    try_repo = ("try-repo", str(repo), "graft-check", "--ref", rev, "--all-files")
    clean = _pre_commit(app, pre_commit_home, *try_repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"graft check\.+Passed", clean.stdout), clean.stdout
    # A merge left half-resolved in the fork: the hook refuses and names the place.
    helpers = app / "acme_web" / "helpers.py"
    helpers.write_text(helpers.read_text() + "<<<<<<< ours\nx = 1\n=======\nx = 2\n>>>>>>> up\n")
    dirty = _pre_commit(app, pre_commit_home, *try_repo)
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert re.search(r"graft check\.+Failed", dirty.stdout), dirty.stdout
    assert re.search(r"acme_web/helpers\.py:\d+: conflict-markers", dirty.stdout), dirty.stdout


@pytest.mark.slow
def test_graft_rewrite_check_hook_with_the_users_map(
    tmp_path: Path, pre_commit_home: Path, hook_repo: tuple[Path, str]
) -> None:
    """graft-rewrite-check as a user configures it (args: the map), run by ``pre-commit run``.

    try-repo cannot pass args, so this is the config a user writes, naming the same
    repository and revision as the try-repo test (its environment is reused: a few seconds).
    """
    repo, rev = hook_repo
    app = _forked_app(tmp_path)
    (app / "views.py").write_text("from vial import render_template\n")  # not moved yet
    (app / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": str(repo),
                        "rev": rev,
                        "hooks": [
                            {"id": "graft-rewrite-check", "args": ["--map", "vial=acme_web"]}
                        ],
                    }
                ]
            }
        )
    )
    _git(app, "add", "-A")
    stale = _pre_commit(app, pre_commit_home, "run", "--files", "app.py", "views.py")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert re.search(r"graft rewrite --check\.+Failed", stale.stdout), stale.stdout
    assert "would rewrite views.py" in stale.stdout, stale.stdout
    assert "would rewrite app.py" not in stale.stdout
    assert (app / "views.py").read_text() == "from vial import render_template\n"  # untouched
    (app / "views.py").write_text("from acme_web import render_template\n")
    _git(app, "add", "-A")
    fixed = _pre_commit(app, pre_commit_home, "run", "--files", "app.py", "views.py")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert re.search(r"graft rewrite --check\.+Passed", fixed.stdout), fixed.stdout
