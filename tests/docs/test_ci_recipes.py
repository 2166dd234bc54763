"""The CI recipes of docs/ci.md do what the page says, run against a real fork.

The YAML blocks are not run by ``test_docs_examples`` (they are shown); here they are parsed,
and the shell each one runs for ``graft status --check`` is run with bash in an app whose
fork is behind a local git upstream, then in one that is current. The ``pip install`` lines
are left out: the test uses this venv's graft.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from test_docs_examples import ROOT, extract_blocks

PAGE = ROOT / "docs" / "ci.md"


def _yaml_blocks() -> list[t.Any]:
    return [yaml.safe_load(b.code) for b in extract_blocks(PAGE) if b.lang == "yaml"]


def _recipe(key: str) -> t.Any:
    (found,) = [doc for doc in _yaml_blocks() if isinstance(doc, dict) and key in doc]
    return found


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = CI\n\temail = ci@example.invalid\n[init]\n\tdefaultBranch = main\n"
    )
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GRAFT_"))},
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GRAFT_CACHE_DIR": str(tmp_path / "cache"),
    }


def _sh(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub's `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _tagged_upstream(path: Path, env: dict[str, str], version: str) -> None:
    package = path / "kettle"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f'__version__ = "{version}"\n')
    if not (path / ".git").exists():
        _sh("git init -q", path, env)
    result = _sh(f"git add -A && git commit -qm {version} && git tag v{version}", path, env)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def app(tmp_path: Path, env: dict[str, str]) -> Path:
    """An app with kettle forked as mykettle at v1.0 of a local git upstream."""
    _tagged_upstream(tmp_path / "upstream", env, "1.0")
    app = tmp_path / "app"
    app.mkdir()
    script = (
        'git init -q && printf \'[project]\\nname = "app"\\nversion = "0"\\n\' > pyproject.toml'
        " && git add -A && git commit -qm app && graft -q fork ../upstream mykettle --ref v1.0"
    )
    result = _sh(script, app, env)
    assert result.returncode == 0, result.stderr
    return app


def test_github_recipe(app: Path, tmp_path: Path, env: dict[str, str]) -> None:
    workflow = _recipe("jobs")
    assert workflow["permissions"] == {"contents": "read"}  # can open or push nothing
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true, as PyYAML does
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    steps = workflow["jobs"]["behind"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    (step,) = [s for s in steps if s.get("name") == "graft status --check"]
    summary = tmp_path / "summary.md"
    env = {**env, "GITHUB_STEP_SUMMARY": str(summary)}

    current = _sh(step["run"], app, env)
    assert current.returncode == 0, current.stdout + current.stderr
    assert not summary.exists()

    _tagged_upstream(tmp_path / "upstream", env, "2.0")  # upstream releases
    behind = _sh(step["run"], app, env)
    assert behind.returncode == 4, behind.stdout + behind.stderr
    assert "mykettle" in behind.stdout
    text = summary.read_text()
    assert "behind its upstream" in text and "mykettle" in text and "graft sync" in text


def test_gitlab_recipe(app: Path, tmp_path: Path, env: dict[str, str]) -> None:
    job = _recipe("graft-status")["graft-status"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert job["allow_failure"] == {"exit_codes": [4]}
    assert str(job["variables"]["GIT_DEPTH"]) == "0"
    # GitLab runs the lines in one shell and stops at the first that fails.
    script = "\n".join(line for line in job["script"] if not line.startswith("pip install"))
    assert _sh(script, app, env).returncode == 0
    _tagged_upstream(tmp_path / "upstream", env, "2.0")
    assert _sh(script, app, env).returncode == 4


def test_pre_commit_snippet_names_offered_hooks() -> None:
    config = _recipe("repos")
    offered = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {hook["id"] for hook in offered}
    (repo,) = config["repos"]
    assert {hook["id"] for hook in repo["hooks"]} == ids
