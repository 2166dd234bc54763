"""The operation record: undo only what graft did, checked by identity, on real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, git_commit_all, make_app, make_upstream, snapshot_state

from graft import journal, vcs
from graft.errors import VcsError
from graft.fork import fork


def commit_tree_of(app: Path, files: dict[str, str], message: str) -> str:
    """A commit on top of HEAD with ``files`` changed, made without touching the work tree."""
    repo = vcs.Repo(app)
    blobs = {path: repo.write_blob(text.encode()) for path, text in files.items()}
    tree = repo.write_tree(blobs, base="HEAD")
    return repo.commit_tree(tree, [git(app, "rev-parse", "HEAD").strip()], message)


def test_a_fork_checkout_cut_short_is_undone_file_by_file(tmp_path: Path) -> None:
    """HEAD never moved; the files the checkout wrote go, the user's edit made meanwhile stays."""
    app = make_app(tmp_path)
    (app / "notes.txt").write_text("untracked, mine\n")
    before = snapshot_state(app)
    target = commit_tree_of(
        app, {"pkg/__init__.py": "X = 1\n", "pkg/core.py": "Y = 2\n"}, "graft fork: pkg"
    )
    repo = vcs.Repo(app)
    operation = journal.begin(repo, "fork", "pkg", "graft fork pkg", target=target, paths=("pkg",))
    repo.checkout_tree(operation.pre_head, target)  # the checkout ran, the ref did not move
    (app / "pkg" / "core.py").write_text("Y = 3  # the user's edit, not graft's bytes\n")
    left = journal.restore(repo, operation)
    assert left == ("pkg/core.py",)
    assert git(app, "ls-files", "pkg") == ""  # the index is the commit's again
    assert not (app / "pkg" / "__init__.py").exists()
    assert (app / "pkg" / "core.py").read_text().startswith("Y = 3")
    assert (app / "notes.txt").read_text() == "untracked, mine\n"
    assert git(app, "rev-parse", "HEAD").strip() == before["head"]


def test_a_branch_moved_by_the_user_is_left_alone(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    repo = vcs.Repo(app)
    target = commit_tree_of(app, {"pkg/__init__.py": "X = 1\n"}, "graft fork: pkg")
    operation = journal.begin(repo, "fork", "pkg", "graft fork pkg", target=target, paths=("pkg",))
    (app / "mine.py").write_text("print('mine')\n")
    mine = git_commit_all(app, "the user's own commit meanwhile")
    left = journal.restore(repo, operation)
    assert left == (f"HEAD, now at {mine[:10]}",)
    assert git(app, "rev-parse", "HEAD").strip() == mine


def test_a_merge_that_is_not_graft_s_is_not_aborted(tmp_path: Path) -> None:
    """MERGE_HEAD names another commit: the user's merge, not the recorded snapshot's."""
    upstream = make_upstream(tmp_path)
    app = make_app(tmp_path)
    fork(str(upstream), "teabag", ref="v1.0", cwd=app)
    git(app, "checkout", "-q", "-b", "side")
    (app / "side.txt").write_text("side\n")
    git_commit_all(app, "side")
    git(app, "checkout", "-q", "main")
    git(app, "merge", "-q", "--no-commit", "--no-ff", "side")
    repo = vcs.Repo(app)
    merging = repo.merge_head()
    operation = journal.Operation(
        "sync",
        "teabag",
        "graft sync teabag",
        1,
        "here",
        git(app, "rev-parse", "HEAD").strip(),
        "refs/heads/main",
        merge_from=git(app, "rev-parse", "HEAD").strip(),
        snapshot="0" * 40,
        paths=("teabag", "pyproject.toml"),
    )
    journal.restore(repo, operation)
    assert repo.merge_head() == merging
    assert (app / "side.txt").exists()


def test_an_unreadable_record_stops_recovery_with_one_clear_line(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    repo = vcs.Repo(app)
    journal.record_path(repo).parent.mkdir(parents=True, exist_ok=True)
    journal.record_path(repo).write_text("{not json")
    with pytest.raises(VcsError, match="cannot be read"):
        journal.recover(repo)
    journal.record_path(repo).unlink()
    assert journal.recover(repo) is None


def test_recover_completes_a_fork_whose_branch_moved(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    repo = vcs.Repo(app)
    target = commit_tree_of(app, {"pkg/__init__.py": "X = 1\n"}, "graft fork: pkg")
    operation = journal.begin(repo, "fork", "pkg", "graft fork pkg", target=target, paths=("pkg",))
    repo.move_head(operation.pre_head, target, "graft fork: pkg")  # killed right after
    recovery = journal.recover(repo)
    assert recovery is not None and recovery.outcome == "completed"
    assert "completed it: the fork commit" in recovery.describe()
    assert journal.load(repo) is None
    assert git(app, "rev-parse", "HEAD").strip() == target
