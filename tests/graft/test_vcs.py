"""The git wrapper against real repositories: byte-exact reads, trees, commits, merges."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_file_tree, git, git_commit_all

from graft import vcs
from graft.errors import VcsError

AWKWARD = [
    "plain.txt",
    "with space.py",
    "ünïcödé.py",
    "tab\tname.txt",
    "dir/new\nline.py",
    "-dash.py",
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    build_file_tree(root, {"a.txt": "a\n"})
    git(root, "init", "-q")
    git_commit_all(root, "init")
    return root


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(VcsError, match="not inside a git work tree"):
        vcs.Repo(tmp_path)


def test_hash_functions_match_git(repo: Path) -> None:
    data = b"no newline at end\r\n\0binary"
    (repo / "blob.bin").write_bytes(data)
    assert vcs.hash_blob(data) == git(repo, "hash-object", "--no-filters", "blob.bin").strip()
    r = vcs.Repo(repo)
    files = {
        "x/y.py": vcs.hash_blob(b"1"),
        "x.py": vcs.hash_blob(b"2"),
        "x-y/z": vcs.hash_blob(b"3"),
    }
    for data in (b"1", b"2", b"3"):
        r.write_blob(data)
    assert vcs.hash_tree(files) == r.write_tree(files)


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_paths_round_trip(repo: Path, name: str) -> None:
    r = vcs.Repo(repo)
    data = b"line\r\nlast line without newline"
    sha = r.write_blob(data)
    tree = r.write_tree({f"pkg/{name}": sha})
    assert r.ls_tree(tree) == {f"pkg/{name}": sha}
    assert r.read_blob(sha) == data
    empty = r.write_blob(b"")
    assert r.read_blobs([sha, empty, sha]) == {sha: data, empty: b""}
    commit = r.commit_tree(tree, [], "snap\n", snapshot=True)
    assert r.read_file(commit, f"pkg/{name}") == data
    assert tree == vcs.hash_tree({f"pkg/{name}": sha})


def test_snapshot_commits_are_deterministic(repo: Path) -> None:
    r = vcs.Repo(repo)
    tree = r.write_tree({"p/x.py": r.write_blob(b"x\n")})
    first = r.commit_tree(tree, [], "same message\n", snapshot=True)
    assert r.commit_tree(tree, [], "same message\n", snapshot=True) == first
    assert (
        git(repo, "log", "-1", "--format=%an|%cn|%ad", "--date=unix", first).strip()
        == "graft|graft|946684800"
    )
    user = r.commit_tree(tree, [], "by the user\n")
    assert git(repo, "log", "-1", "--format=%an", user).strip() == "Test User"


def test_dirty_paths_and_operations(repo: Path) -> None:
    r = vcs.Repo(repo)
    assert r.dirty_paths() == [] and r.operation_in_progress() is None
    build_file_tree(repo, {"untracked.txt": "u"})
    assert r.dirty_paths() == []
    (repo / "a.txt").write_text("changed\n")
    assert r.dirty_paths() == ["a.txt"]
    git(repo, "add", "a.txt")
    assert r.dirty_paths() == ["a.txt"]


def test_move_head_and_restore(repo: Path) -> None:
    r = vcs.Repo(repo)
    head = r.head()
    assert head is not None and r.branch() == "refs/heads/main"
    tree = r.write_tree({"b/c.txt": r.write_blob(b"c\n")}, base=head)
    new = r.commit_tree(tree, [head], "add b\n")
    build_file_tree(repo, {"keep.txt": "untracked\n"})
    r.move_head(head, new, "test")
    assert (repo / "b" / "c.txt").read_text() == "c\n" and r.head() == new
    assert git(repo, "status", "--porcelain") == "?? keep.txt\n"
    r.restore(head, r.branch())
    assert not (repo / "b").exists() and r.head() == head
    assert (repo / "keep.txt").exists()


def test_merge_conflict_state_and_abort(repo: Path) -> None:
    r = vcs.Repo(repo)
    base = r.head()
    assert base is not None
    git(repo, "checkout", "-q", "-b", "other")
    build_file_tree(repo, {"a.txt": "theirs\n"})
    theirs = git_commit_all(repo, "theirs")
    git(repo, "checkout", "-q", "main")
    build_file_tree(repo, {"a.txt": "ours\n"})
    ours = git_commit_all(repo, "ours")
    assert r.merge(theirs, "merge").clean is False
    assert r.merge_head() == theirs and r.unmerged() == {"a.txt": {1, 2, 3}}
    assert r.operation_in_progress() == "merge"
    r.merge_abort()
    assert r.merge_head() is None and r.head() == ours
    assert (repo / "a.txt").read_text() == "ours\n"
    assert r.is_ancestor(base, ours) and not r.is_ancestor(theirs, ours)


def test_diff_trees_detects_renames(repo: Path) -> None:
    r = vcs.Repo(repo)
    body = b"".join(b"line %d\n" % i for i in range(30))
    old = r.write_tree({"p/old.py": r.write_blob(body), "p/gone.py": r.write_blob(b"g\n")})
    new = r.write_tree(
        {"p/new.py": r.write_blob(body + b"more\n"), "p/add.py": r.write_blob(b"a\n")}
    )
    changes = {(c.status, c.path, c.new_path) for c in r.diff_trees(old, new)}
    assert changes == {
        ("R", "p/old.py", "p/new.py"),
        ("D", "p/gone.py", None),
        ("A", "p/add.py", None),
    }


def test_failures_become_vcs_errors(repo: Path) -> None:
    r = vcs.Repo(repo)
    with pytest.raises(VcsError, match="git read-tree"):
        r.run("read-tree", "no-such-ref")
    assert r.resolve("no-such-ref") is None
    assert r.missing_objects(["0" * 40]) == {"0" * 40}


def test_batch_writes_store_trees_like_the_index_route(repo: Path) -> None:
    # Blobs through one fast-import stream, trees through one mktree batch: the same ids
    # as hash-object + update-index + write-tree, for awkward names and git's ordering
    # of "x" (a directory, compared as "x/") against "x.py" and "x-y".
    r = vcs.Repo(repo)
    contents = [b"", b"one\n", b"\0binary\r\n", b"x" * 70000]
    files = {
        f"pkg/{name}": vcs.hash_blob(contents[i % len(contents)]) for i, name in enumerate(AWKWARD)
    }
    files.update(
        {
            "x/y.py": vcs.hash_blob(b"one\n"),
            "x.py": vcs.hash_blob(b""),
            "x-y/z": vcs.hash_blob(b"x" * 70000),
            "top": vcs.hash_blob(b"\0binary\r\n"),
        }
    )
    assert r.write_blob_data(contents) == [vcs.hash_blob(data) for data in contents]
    trees = vcs.tree_objects(files)
    assert trees[-1].sha == vcs.hash_tree(files)
    assert len({tree.sha for tree in trees}) == len(trees) == 5  # root, pkg, pkg/dir, x, x-y
    r.write_trees(trees)
    assert r.missing_objects([tree.sha for tree in trees]) == set()
    assert r.ls_tree(trees[-1].sha) == files
    assert r.read_blobs(files.values())[vcs.hash_blob(b"x" * 70000)] == b"x" * 70000
    assert r.write_tree(files) == trees[-1].sha
    assert r.write_blob_data([]) == []
    empty = vcs.tree_objects({})
    assert [t.sha for t in empty] == ["4b825dc642cb6eb9a060e54bf8d69288fbee4904"]
    r.write_trees(empty)


def test_write_trees_refuses_a_missing_blob(repo: Path) -> None:
    r = vcs.Repo(repo)
    trees = vcs.tree_objects({"p/lost.py": vcs.hash_blob(b"never stored\n")})
    with pytest.raises(VcsError, match="git mktree"):
        r.write_trees(trees)
    assert r.missing_objects([trees[-1].sha]) == {trees[-1].sha}


def test_index_stamp_moves_with_the_index_only(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    r = vcs.Repo(root)
    assert r.index_stamp() == ""  # no index before the first `git add`
    build_file_tree(root, {"a.txt": "a\n"})
    git_commit_all(root, "init")
    stamp = r.index_stamp()
    assert stamp
    git(root, "ls-files")
    git(root, "rev-parse", "HEAD")
    (root / "a.txt").write_text("edited, not staged\n")
    assert r.index_stamp() == stamp  # the work tree is not the index
    git(root, "add", "a.txt")
    assert r.index_stamp() != stamp
    staged = r.index_stamp()
    git(root, "reset", "-q")
    assert r.index_stamp() not in (stamp, staged)


def test_config_is_true_reads_the_repository_config(repo: Path) -> None:
    r = vcs.Repo(repo)
    assert r.config_is_true("rerere.enabled") is False
    r.set_config("rerere.enabled", "true")
    assert r.config_is_true("rerere.enabled") is True
    git(repo, "config", "--local", "rerere.enabled", "false")
    assert r.config_is_true("rerere.enabled") is False
    git(repo, "config", "--local", "branch.my.thing.enabled", "yes")
    assert r.config_is_true("branch.my.thing.enabled") is True


def test_no_git_on_path_is_one_clear_error(tmp_path: Path) -> None:
    """Without git, GitPython's ImportError traceback used to escape every git-using command."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_PYTHON")}
    env["PATH"] = str(empty)
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "status"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert (
        proc.stderr.strip() == "Error: git is not installed or not on PATH; install git and retry."
    )
    assert "Traceback" not in proc.stderr
