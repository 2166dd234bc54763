"""The stopped-sync record: one typed value, written and read in one module."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import build_file_tree, git, git_commit_all

from graft import state, vcs
from graft.manifest import Entry
from graft.state import SyncState

ENTRY = Entry.from_table(
    "teabag",
    {
        "kind": "fork",
        "source": "../upstream",
        "source-kind": "git",
        "package": "kettle",
        "path": "teabag",
        "revision": "0" * 40,
        "upstream-tree": "3" * 40,
        "fingerprint": "f" * 16,
        "snapshot": "1" * 40,
        "snapshot-tree": "2" * 40,
        "maps": ["kettle=teabag"],
        "graft-version": "0.1.0",
    },
)


def _repo(tmp_path: Path) -> vcs.Repo:
    git(tmp_path, "init", "-q", "-b", "main")
    build_file_tree(tmp_path, {"a.txt": "one\n"})
    git_commit_all(tmp_path, "one")
    return vcs.Repo(tmp_path)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert state.load(repo) is None
    recorded = SyncState(
        name="teabag",
        pre_head="a" * 40,
        branch="main",
        label="kettle v2.0",
        merge_from="b" * 40,
        snapshot="c" * 40,
        base="d" * 40,
        message="graft: merge kettle v2.0 into teabag\n",
        entry=ENTRY,
        pyproject="pyproject.toml",
        old_label="kettle v1.0",
        old_revision="e" * 40,
        remaining=("v3.0",),
        search_path=("/site",),
        regenerated=True,
        conflicts=("teabag/util.py",),
        kept_deleted=("teabag/old.py",),
        reused=("teabag/util.py",),
    )
    state.save(repo, recorded)
    assert state.load(repo) == recorded
    state.clear(repo)
    state.clear(repo)  # idempotent
    assert state.load(repo) is None


def test_reads_the_json_an_earlier_graft_wrote(tmp_path: Path) -> None:
    """A sync stopped by the untyped-dict version of graft still continues after an upgrade."""
    repo = _repo(tmp_path)
    path = state.state_path(repo)
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "name": "teabag",
                "pre_head": "a" * 40,
                "branch": None,
                "snapshot": None,
                "label": "kettle v1.0",
                "merge_from": "b" * 40,
            }
        )
    )
    loaded = state.load(repo)
    assert loaded == SyncState("teabag", "a" * 40, None, "kettle v1.0", merge_from="b" * 40)
    path.write_text("{not json")
    assert state.load(repo) is None


def test_stopped_sync_is_the_one_in_progress_test(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    # Killed after a reconnect commit, before any merge: stopped, --abort takes it back.
    early = SyncState("teabag", "a" * 40, "main", "kettle v1.0")
    state.save(repo, early)
    assert state.stopped_sync(repo) == early
    # A merge git no longer has (concluded or aborted with git itself): not stopped.
    state.save(repo, SyncState("teabag", "a" * 40, "main", "kettle v2.0", snapshot="c" * 40))
    assert state.stopped_sync(repo) is None
    # A real conflicted merge of the recorded snapshot: stopped.
    git(tmp_path, "checkout", "-q", "-b", "other")
    build_file_tree(tmp_path, {"a.txt": "theirs\n"})
    theirs = git_commit_all(tmp_path, "theirs")
    git(tmp_path, "checkout", "-q", "main")
    build_file_tree(tmp_path, {"a.txt": "ours\n"})
    git_commit_all(tmp_path, "ours")
    git(tmp_path, "merge", "-q", "other", check=False)
    merging = SyncState("teabag", "a" * 40, "main", "kettle v2.0", snapshot=theirs)
    state.save(repo, merging)
    assert state.stopped_sync(repo) == merging
