"""Real git repositories in temp dirs, with an isolated git configuration (copier-style).

Every test gets a global gitconfig of its own (``GIT_CONFIG_GLOBAL``) with a fixed
identity, so the developer's hooks, signing or aliases never leak in and commits
are reproducible. Helpers build file trees, commit them, and script upstream
histories from ``fixtures/upstreams/<name>/<version>/`` into tagged commits.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner

from graft import snapshot
from graft.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
USER_NAME = "Test User"
USER_EMAIL = "test@example.invalid"
FLASK_OLD = "3.0.3"
"""The Flask release the real-world tests fork, to sync or diff against the installed one."""


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    config.write_text(
        f"[user]\n\tname = {USER_NAME}\n\temail = {USER_EMAIL}\n"
        "[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n"
        "[advice]\n\tdetachedHead = false\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GRAFT_CACHE_DIR", str(home / "cache"))
    for name in (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_DATE",
        "GRAFT_SEARCH_PATH",
        # A developer's or CI's colour preference must not change what tests see.
        "NO_COLOR",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run git in ``cwd`` and return its stdout (tests use the real git binary)."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}{proc.stdout}")
    return proc.stdout


def invoke(args: list[str]) -> t.Any:
    """``graft ARGS`` through click's test runner, in the current directory."""
    return CliRunner().invoke(main, args, catch_exceptions=False)


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) with ``new`` in a file, as a user's edit."""
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def build_file_tree(root: Path, spec: t.Mapping[str, str | bytes | None]) -> None:
    """Write ``spec`` (relative path -> text or bytes; None deletes) under ``root``."""
    for rel, content in spec.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def git_commit_all(repo: Path, message: str = "commit") -> str:
    """Stage everything in a test repository and commit it; returns the commit id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def make_upstream(
    tmp: Path,
    versions: t.Mapping[str, t.Mapping[str, str | bytes]] | str = "kettle",
) -> Path:
    """An upstream git repository with one tagged commit per version.

    ``versions`` maps a tag to a full file tree, or names a directory of
    ``fixtures/upstreams`` whose subdirectories are the versions (in sorted order).
    """
    if isinstance(versions, str):
        base = FIXTURES / "upstreams" / versions
        loaded: dict[str, dict[str, str | bytes]] = {}
        for version in sorted(p.name for p in base.iterdir() if p.is_dir()):
            loaded[version] = {
                p.relative_to(base / version).as_posix(): p.read_bytes()
                for p in sorted((base / version).rglob("*"))
                if p.is_file()
            }
        versions = loaded
    repo = tmp / "upstream"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    for tag, files in versions.items():
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        build_file_tree(repo, files)
        git_commit_all(repo, f"release {tag}")
        git(repo, "tag", tag)
    return repo


def make_app(tmp: Path, name: str = "acme") -> Path:
    """A committed copy of ``fixtures/apps/<name>`` in a fresh repository."""
    app = tmp / "app"
    shutil.copytree(FIXTURES / "apps" / name, app)
    git(app, "init", "-q")
    git_commit_all(app, "the app")
    return app


def snapshot_state(repo: Path) -> dict[str, t.Any]:
    """Everything a user could see of a repository: refs, index, status and file bytes."""
    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        files[path.relative_to(repo).as_posix()] = path.read_bytes()
    return {
        "head": git(repo, "rev-parse", "HEAD").strip(),
        "branch": git(repo, "symbolic-ref", "-q", "HEAD", check=False).strip(),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": git(repo, "ls-files", "-s"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        "merge_head": (repo / ".git" / "MERGE_HEAD").exists(),
        "files": files,
    }


@contextlib.contextmanager
def interrupt_at(step: str) -> t.Iterator[None]:
    """Raise KeyboardInterrupt (Ctrl-C) when graft reaches checkpoint ``step``; always unhook."""

    def hook(reached: str) -> None:
        if reached == step:
            raise KeyboardInterrupt

    snapshot.set_checkpoint_hook(hook)
    try:
        yield
    finally:
        snapshot.set_checkpoint_hook(None)


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    return make_upstream(tmp_path)


@pytest.fixture
def app_repo(tmp_path: Path) -> Path:
    return make_app(tmp_path)


@pytest.fixture
def in_dir(monkeypatch: pytest.MonkeyPatch) -> t.Callable[[Path], None]:
    return lambda path: monkeypatch.chdir(path)


@pytest.fixture(scope="session")
def flask_303(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Flask :data:`FLASK_OLD` installed with ``pip --target``, cached across test sessions.

    Found by graft through ``--search-path``; skips the test when pip cannot install it.
    """
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    target = (
        Path(cache.mkdir(f"flask-{FLASK_OLD}"))
        if cache is not None
        else tmp_path_factory.mktemp(f"flask-{FLASK_OLD}")
    )
    if not (target / "flask" / "__init__.py").exists():
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(target),
                f"flask=={FLASK_OLD}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            pytest.skip(f"cannot install flask=={FLASK_OLD}: {proc.stderr.strip()[-200:]}")
    return target
