"""graft status: one block (or JSON object) per fork, from real repositories.

The story: upstream kettle v1.0 is forked into the app as ``teabag``; the user edits
``core.py`` and commits; upstream has released v2.0 and v3.0 since.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import edit, git, git_commit_all, invoke, make_app, make_upstream

from graft.fork import fork
from graft.manifest import parse_manifest
from graft.status import Facts, collect, fork_status
from graft.sync import sync

_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def forked(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """kettle v1.0 forked as teabag, with one committed edit to core.py.

    Forked once per session and copied for each test (the fork is what takes time).
    """
    if "base" not in _TEMPLATE:
        base = tmp_path_factory.mktemp("status-template")
        fork(str(make_upstream(base)), "teabag", ref="v1.0", cwd=make_app(base))
        edit(
            base / "app" / "teabag" / "core.py",
            "return pour(cup)",
            "return pour(cup).upper()  # mine",
        )
        git_commit_all(base / "app", "my edit")
        _TEMPLATE["base"] = base
    for name in ("upstream", "app"):
        shutil.copytree(_TEMPLATE["base"] / name, tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "app")
    return tmp_path / "app"


@pytest.fixture
def upstream(forked: Path) -> Path:
    return forked.parent / "upstream"


def test_text_block_names_source_revisions_and_changes(forked: Path, upstream: Path) -> None:
    result = invoke(["status"])
    assert result.exit_code == 0, result.output
    v1 = git(upstream, "rev-parse", "v1.0").strip()
    v3 = git(upstream, "rev-parse", "v3.0").strip()
    lines = result.output.splitlines()
    assert lines[0] == "teabag (fork of kettle) at teabag/"
    assert "  source:    git ../upstream (ref v1.0)" in lines
    assert f"  recorded:  kettle v1.0 ({v1[:10]})" in lines
    assert f"  newest:    kettle v3.0 ({v3[:10]}): behind, run `graft sync teabag`" in lines
    assert "  sync:      none in progress" in lines
    assert "  changes:   1 file(s), +1 -1 against the snapshot" in lines
    assert "    M teabag/core.py  +1 -1" in lines


def test_json_and_check_exit_codes(forked: Path, upstream: Path) -> None:
    result = invoke(["status", "--format", "json"])
    assert result.exit_code == 0
    (data,) = json.loads(result.output)["forks"]
    entry = parse_manifest((forked / "pyproject.toml").read_text()).select("teabag")
    assert data["name"] == "teabag" and data["source"] == "../upstream"
    assert data["source_kind"] == "git" and data["revision"] == entry.revision
    assert data["newest_revision"] == git(upstream, "rev-parse", "v3.0").strip()
    assert data["behind"] is True and data["sync_in_progress"] is False
    assert data["snapshot"] == entry.snapshot and data["snapshot_reachable"] is True
    local = data["local_changes"]
    assert local["base"] == entry.snapshot and local["rebuilt"] is False
    assert local["files"] == [
        {"status": "M", "path": "teabag/core.py", "new_path": None, "added": 1, "removed": 1}
    ]
    assert (local["lines_added"], local["lines_removed"]) == (1, 1)
    result = invoke(["status", "--check"])
    assert result.exit_code == 4
    # Once synced to the newest release, --check passes.
    assert sync(cwd=forked).status == "merged"
    result = invoke(["status", "--check"])
    assert result.exit_code == 0, result.output
    assert "kettle v3.0" in result.output and ": up to date" in result.output


def test_work_tree_versus_committed_changes(forked: Path) -> None:
    fork_dir = forked / "teabag"
    edit(
        fork_dir / "util.py", "result = thing.strip()", "result = thing.strip()\n    result += '!'"
    )
    (fork_dir / "teapot.py").unlink()
    (fork_dir / "brand_new.py").write_text("from teabag import core\n")
    (data,) = collect(cwd=forked)
    assert data.local is not None
    assert [(f.status, f.path, f.added, f.removed) for f in data.local.files] == [
        ("M", "teabag/core.py", 1, 1),
        ("D", "teabag/teapot.py", 0, 5),
        ("M", "teabag/util.py", 1, 0),
    ]
    # An untracked file counts once git knows about it.
    git(forked, "add", "-N", "teabag/brand_new.py")
    (data,) = collect(cwd=forked)
    assert data.local is not None
    assert ("A", "teabag/brand_new.py") in [(f.status, f.path) for f in data.local.files]
    (data,) = collect(cwd=forked, committed=True)
    assert data.local is not None
    assert [f.path for f in data.local.files] == ["teabag/core.py"]


def test_sync_in_progress_shows_target_and_conflicts(forked: Path) -> None:
    edit(forked / "teabag" / "util.py", "result = thing.strip()", "result = thing.strip().lower()")
    git_commit_all(forked, "overlapping edit")
    assert sync(cwd=forked, ref="v2.0").status == "conflicts"
    result = invoke(["status"])
    assert result.exit_code == 0, result.output
    assert "  sync:      in progress, merging kettle v2.0" in result.output
    assert "    teabag/util.py" in result.output
    # The recorded revision is HEAD's until the merge is committed, not the staged one.
    (data,) = json.loads(invoke(["status", "--format", "json", "--offline"]).output)["forks"]
    assert data["ref"] == "v1.0" and data["sync_in_progress"] is True
    assert data["conflicts"] == ["teabag/util.py"] and data["sync_target"].startswith("kettle v2.0")
    assert data["newest_revision"] is None and data["behind"] is None
    # Changes are counted against the snapshot being merged: what stays yours once it is done.
    assert data["local_changes"]["merging"].startswith("kettle v2.0")
    assert data["local_changes"]["base"] == git(forked, "rev-parse", "MERGE_HEAD").strip()
    assert "core.py" in str(data["local_changes"]["files"])
    assert "  newest:    not looked up (--offline)" in invoke(["status", "--offline"]).output


def test_status_reads_conflicts_from_the_index(forked: Path) -> None:
    edit(forked / "teabag" / "util.py", "result = thing.strip()", "result = thing.strip().lower()")
    git_commit_all(forked, "overlapping edit")
    assert sync(cwd=forked, ref="v2.0").status == "conflicts"
    # Resolved and staged: status once still said "1 conflicted file(s)".
    path = forked / "teabag" / "util.py"
    path.write_text(git(forked, "show", ":3:teabag/util.py"))
    git(forked, "add", "teabag/util.py")
    result = invoke(["status", "--offline"])
    assert (
        "  sync:      in progress, merging kettle v2.0 (" in result.output
        and "; all conflicts resolved and staged; run `graft sync --continue`" in result.output
    )
    assert "conflicted file(s)" not in result.output
    (data,) = json.loads(invoke(["status", "--format", "json", "--offline"]).output)["forks"]
    assert data["conflicts"] == [] and data["sync_in_progress"] is True
    # Finished with a plain `git commit`: status says --continue records it.
    git(forked, "commit", "-q", "--no-edit")
    result = invoke(["status", "--offline"])
    assert (
        "was committed with git commit; run `graft sync --continue` to record it" in result.output
    ), result.output
    assert invoke(["sync", "--continue"]).exit_code == 0
    assert "  sync:      none in progress" in invoke(["status", "--offline"]).output


def test_fresh_clone(forked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(forked), str(clone))
    monkeypatch.chdir(clone)
    (data,) = collect()
    assert data.behind is True and data.snapshot_reachable is True and not data.notes
    assert data.local is not None and [f.path for f in data.local.files] == ["teabag/core.py"]


@pytest.mark.parametrize("prune", [False, True], ids=["unreachable", "pruned"])
def test_after_squash(forked: Path, prune: bool) -> None:
    git(forked, "checkout", "-q", "--orphan", "squashed")
    git(forked, "commit", "-q", "-m", "squashed")
    git(forked, "branch", "-q", "-D", "main")
    if prune:
        git(forked, "reflog", "expire", "--expire=now", "--all")
        git(forked, "gc", "-q", "--prune=now")
    (data,) = collect(cwd=forked)
    assert data.local is not None and [f.path for f in data.local.files] == ["teabag/core.py"]
    assert data.local.base.rebuilt is prune
    assert data.snapshot_reachable is (None if prune else False)
    notes = " ".join(data.notes)
    assert ("rebuilt it from the recorded revision" in notes) is prune
    assert ("not in your history" in notes) is not prune


def test_unreachable_source_is_reported_in_the_block(forked: Path, upstream: Path) -> None:
    shutil.rmtree(upstream)
    result = invoke(["status"])
    assert result.exit_code == 0, result.output
    assert "  newest:    unknown: " in result.output
    assert "    M teabag/core.py  +1 -1" in result.output
    result = invoke(["status", "--check"])
    assert result.exit_code == 1 and "cannot tell whether teabag is behind" in result.output


def test_several_forks_and_name_selection(forked: Path, upstream: Path) -> None:
    fork(str(upstream), "cuppa", ref="v3.0", cwd=forked)
    result = invoke(["status", "--offline"])
    assert result.exit_code == 0, result.output
    assert "teabag (fork of kettle) at teabag/" in result.output
    assert "cuppa (fork of kettle) at cuppa/" in result.output
    result = invoke(["status", "cuppa", "--check"])
    assert result.exit_code == 0, result.output
    assert "teabag" not in result.output
    assert "  changes:   none (the fork is the pristine snapshot)" in result.output


def test_refusals(forked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(["status", "nope"])
    assert result.exit_code == 1 and "Error: no vendored package named 'nope'" in result.output
    result = invoke(["status", "--check", "--offline"])
    assert result.exit_code == 2
    bare = tmp_path / "plain"
    bare.mkdir()
    git(bare, "init", "-q")
    (bare / "pyproject.toml").write_text("[project]\nname = 'plain'\n")
    git_commit_all(bare, "plain")
    monkeypatch.chdir(bare)
    result = invoke(["status"])
    assert result.exit_code == 1 and "records no vendored package" in result.output
    monkeypatch.chdir(tmp_path)
    result = invoke(["status"])
    assert result.exit_code == 1 and "not inside a git work tree" in result.output


def test_verdicts_are_pure(forked: Path, upstream: Path) -> None:
    """fork_status decides from facts alone: a newest release older than the record."""
    entry = parse_manifest((forked / "pyproject.toml").read_text()).select("teabag")
    from graft.sources import locate

    older = locate(str(upstream), root=forked, ref="v1.0", kind="git")
    status = fork_status(
        Facts(
            entry,
            newest=older.__class__(
                older.kind, older.source, older.package, "0" * 40, "v0.9", older.files
            ),
            newest_is_older=True,
        )
    )
    assert status.behind is False and "older than the recorded revision" in status.notes[0]
    status = fork_status(Facts(entry, newest=older))
    assert status.behind is False and status.newest_label == older.label
