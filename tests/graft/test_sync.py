"""graft sync: real merges of the scripted kettle upstream into a fork with local edits.

The story in every test: upstream kettle v1.0 is forked into the app as ``teabag``;
the user edits the fork and commits; upstream releases v2.0 (changes ``steep`` and
``pour``, deletes ``legacy.py``, renames ``old_name.py`` to ``new_name.py``, changes
``teapot.py``, adds ``extra.py``) and v3.0 (changes ``boil``); the user syncs.
"""

from __future__ import annotations

import shutil
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    build_file_tree,
    edit,
    git,
    git_commit_all,
    interrupt_at,
    invoke,
    make_app,
    make_upstream,
    snapshot_state,
)

from graft.cli import main
from graft.errors import DirtyWorktreeError, VcsError
from graft.fork import fork
from graft.manifest import parse_manifest
from graft.sync import abort_sync, apply, continue_sync, plan_sync, sync


def manifest_at(app: Path, rev: str = "HEAD") -> t.Any:
    return parse_manifest(git(app, "show", f"{rev}:pyproject.toml")).select("teabag")


_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def forked(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The app with kettle v1.0 forked as teabag, and edits that do not overlap v2.0's.

    Built once per session and copied (upstream and app side by side) for each test.
    """
    if "base" not in _TEMPLATE:
        base = tmp_path_factory.mktemp("sync-template")
        upstream = make_upstream(base)
        app = make_app(base)
        with monkeypatch.context() as m:
            m.chdir(app)
            fork(str(upstream), "teabag", ref="v1.0")
        fork_dir = app / "teabag"
        edit(fork_dir / "core.py", "return pour(cup)", "return pour(cup).upper()  # mine")
        edit(fork_dir / "old_name.py", '"is a small package"', '"is a tiny package"  # mine')
        (fork_dir / "teapot.py").unlink()
        git_commit_all(app, "my edits to the fork")
        _TEMPLATE["base"] = base
    for name in ("upstream", "app"):
        shutil.copytree(_TEMPLATE["base"] / name, tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "app")
    return tmp_path / "app"


def overlap(app: Path) -> None:
    """A local edit on the very line v2.0 changes."""
    edit(
        app / "teabag" / "util.py",
        "result = thing.strip()",
        "result = thing.strip().lower()  # mine",
    )
    git_commit_all(app, "my overlapping edit")


def test_clean_sync_merges_both_sides(forked: Path) -> None:
    app = forked
    upstream = app.parent / "upstream"
    before = git(app, "rev-parse", "HEAD").strip()
    old = manifest_at(app)
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0, result.output
    assert "Merged kettle v2.0" in result.output
    assert "kept deleted: teabag/teapot.py" in result.output
    assert git(app, "status", "--porcelain") == ""
    # One merge commit: first parent the old HEAD, second the new snapshot, child of the old one.
    assert git(app, "rev-parse", "HEAD^1").strip() == before
    snap = git(app, "rev-parse", "HEAD^2").strip()
    assert git(app, "rev-parse", f"{snap}^").strip() == old.snapshot
    assert "graft sync teabag: kettle v1.0" in git(app, "log", "-1", "--format=%s")
    # The manifest moved in the merge commit itself, not before.
    new = manifest_at(app)
    assert new.snapshot == snap and new.revision == git(upstream, "rev-parse", "v2.0").strip()
    assert new.ref == "v2.0" and manifest_at(app, "HEAD^1") == old
    # Both sides' changes are there.
    core = (app / "teabag" / "core.py").read_text()
    assert "pour(cup).upper()  # mine" in core and "minutes * 60 + 30" in core
    renamed = (app / "teabag" / "new_name.py").read_text()
    assert '"is a tiny package"  # mine' in renamed and "return 2  # 2.0" in renamed
    assert "import teabag" in renamed
    assert not (app / "teabag" / "old_name.py").exists()
    assert not (app / "teabag" / "legacy.py").exists()
    assert "from teabag.core import brew" in (app / "teabag" / "extra.py").read_text()
    assert not (app / "teabag" / "teapot.py").exists()
    # A second sync to the same revision is a no-op; going back is refused.
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0 and "already up to date" in result.output
    result = invoke(["sync", "--ref", "v1.0"])
    assert result.exit_code == 1
    assert "would downgrade kettle from v2.0 to v1.0." in result.output  # tags, not ids


def test_conflict_then_abort_restores_byte_for_byte(forked: Path) -> None:
    app = forked
    overlap(app)
    build_file_tree(app, {"teabag/scratch.txt": "untracked notes\n"})
    before = snapshot_state(app)
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 3, result.output
    assert "teabag/util.py" in result.output and "graft sync --continue" in result.output
    assert "UU teabag/util.py" in git(app, "status", "--porcelain")
    stages = {line.split()[2] for line in git(app, "ls-files", "-u", "teabag/util.py").splitlines()}
    assert stages == {"1", "2", "3"}
    text = (app / "teabag" / "util.py").read_text()
    assert "<<<<<<< " in text and ">>>>>>> " in text
    # Upstream's side is named, not a raw commit id; the naming ref is gone.
    assert "\n>>>>>>> graft/kettle-v2.0-upstream-snapshot\n" in text
    assert "refs/graft" not in git(app, "for-each-ref")
    # Non-conflicting changes are staged, the manifest too (it moves with the merge).
    assert manifest_at(app, ":0").revision != manifest_at(app).revision
    result = invoke(["sync", "--abort"])
    assert result.exit_code == 0, result.output
    assert snapshot_state(app) == before
    assert not (app / ".git" / "graft" / "sync.json").exists()


def test_conflict_then_continue_records_base_and_next_sync_is_noop(forked: Path) -> None:
    app = forked
    overlap(app)
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    # Continuing before resolving is refused.
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 1 and "still have conflicts" in result.output
    # Staging a file that still has markers is refused too.
    git(app, "add", "teabag/util.py")
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 1 and "conflict markers" in result.output
    # Resolve: keep both changes.
    path = app / "teabag" / "util.py"
    lines = [
        line
        for line in path.read_text().splitlines(keepends=True)
        if not line.startswith(("<<<<<<<", "=======", ">>>>>>>", "||||||| "))
    ]
    resolved = "".join(line for line in lines if "# mine" not in line)
    resolved = resolved.replace('.rstrip(".")  # 2.0: tidy', '.rstrip(".").lower()  # both')
    path.write_text(resolved)
    git(app, "add", "teabag/util.py")
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 0, result.output
    assert git(app, "status", "--porcelain") == ""
    assert git(app, "rev-list", "--parents", "-1", "HEAD").count(" ") == 2
    entry = manifest_at(app)
    assert entry.snapshot == git(app, "rev-parse", "HEAD^2").strip() and entry.ref == "v2.0"
    assert '.rstrip(".").lower()  # both' in path.read_text()
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0 and "already up to date" in result.output


@pytest.mark.parametrize("only_conflict", [False, True], ids=["with-kept-deleted", "only"])
def test_rerere_reuses_a_resolution(forked: Path, only_conflict: bool) -> None:
    app = forked
    if only_conflict:
        # Bring teapot.py back, so util.py is the merge's one conflict: git then exits 1
        # with nothing unmerged, which graft once took for a failed merge.
        fork_commit = git(app, "rev-list", "--max-parents=2", "--min-parents=2", "-1", "HEAD")
        build_file_tree(
            app, {"teabag/teapot.py": git(app, "show", f"{fork_commit.strip()}:teabag/teapot.py")}
        )
        git_commit_all(app, "teapot is back")
    overlap(app)
    start = git(app, "rev-parse", "HEAD").strip()
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    path = app / "teabag" / "util.py"
    path.write_text(git(app, "show", ":3:teabag/util.py").replace("# 2.0: tidy", "# resolved"))
    git(app, "add", "teabag/util.py")
    assert invoke(["sync", "--continue"]).exit_code == 0
    resolved = path.read_bytes()
    git(app, "reset", "-q", "--hard", start)
    # The same conflict again: git's recorded resolution is applied and staged, and the
    # sync stops for a review (exit 3), never committing a replayed resolution unseen.
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 3, result.output
    assert "1 conflict(s) resolved from your earlier resolution (git rerere)" in result.output
    assert "review, then `graft sync --continue`" in result.output
    assert path.read_bytes() == resolved
    assert git(app, "ls-files", "-u") == ""
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == resolved and git(app, "status", "--porcelain") == ""
    assert manifest_at(app).snapshot == git(app, "rev-parse", "HEAD^2").strip()


def test_rerere_setting_of_the_user_is_respected(forked: Path) -> None:
    app = forked
    # The fork turned rerere on where the user had said nothing...
    assert git(app, "config", "--local", "rerere.enabled").strip() == "true"
    # ...but an explicit "false" stays: no resolution is recorded or replayed.
    git(app, "config", "--local", "rerere.enabled", "false")
    overlap(app)
    start = git(app, "rev-parse", "HEAD").strip()
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    assert git(app, "config", "--local", "rerere.enabled").strip() == "false"
    path = app / "teabag" / "util.py"
    path.write_text(git(app, "show", ":3:teabag/util.py"))
    git(app, "add", "teabag/util.py")
    assert invoke(["sync", "--continue"]).exit_code == 0
    git(app, "reset", "-q", "--hard", start)
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 3 and "1 conflicted file(s)" in result.output
    assert "UU teabag/util.py" in git(app, "status", "--porcelain")


def test_step_merges_release_by_release(forked: Path) -> None:
    app = forked
    start = git(app, "rev-parse", "HEAD").strip()
    result = invoke(["sync", "--step", "--ref", "v3.0"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Merged kettle") == 2
    assert manifest_at(app).ref == "v3.0" and manifest_at(app, "HEAD^1").ref == "v2.0"
    assert git(app, "rev-parse", "HEAD^1^1").strip() == start
    assert "at 100C" in (app / "teabag" / "core.py").read_text()


def test_step_stops_at_conflict_and_continue_finishes(forked: Path) -> None:
    app = forked
    overlap(app)
    result = invoke(["sync", "--step"])  # default target: the newest tag
    assert result.exit_code == 3 and "kettle v2.0" in result.output
    path = app / "teabag" / "util.py"
    path.write_text(git(app, "show", ":3:teabag/util.py"))
    git(app, "add", "teabag/util.py")
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 0, result.output
    assert manifest_at(app).ref == "v3.0" and manifest_at(app, "HEAD^1").ref == "v2.0"


def test_sync_in_a_fresh_clone(
    forked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(forked), str(clone))
    monkeypatch.chdir(clone)
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0, result.output
    assert "reconnected" not in result.output and "rebuilt" not in result.output
    assert "pour(cup).upper()  # mine" in (clone / "teabag" / "core.py").read_text()
    assert git(clone, "config", "rerere.enabled").strip() == "true"  # config is not cloned


@pytest.mark.parametrize("prune", [False, True], ids=["unreachable", "pruned"])
def test_sync_after_squash(forked: Path, prune: bool) -> None:
    app = forked
    # Squash the whole history into one commit: the snapshot is no longer reachable.
    git(app, "checkout", "-q", "--orphan", "squashed")
    git(app, "commit", "-q", "-m", "squashed")
    git(app, "branch", "-q", "-D", "main")
    git(app, "branch", "-q", "-m", "main")
    snap = manifest_at(app).snapshot
    if prune:
        git(app, "reflog", "expire", "--expire=now", "--all")
        git(app, "gc", "-q", "--prune=now")
        assert git(app, "cat-file", "-e", snap, check=False) == ""
        assert git(app, "rev-parse", "-q", "--verify", f"{snap}^{{commit}}", check=False) == ""
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0, result.output
    assert "reconnected it as the merge base" in result.output
    assert ("rebuilt it and verified" in result.output) == prune
    assert git(app, "status", "--porcelain") == ""
    core = (app / "teabag" / "core.py").read_text()
    assert "pour(cup).upper()  # mine" in core and "minutes * 60 + 30" in core
    assert not (app / "teabag" / "teapot.py").exists()
    # From here, syncs are ordinary again.
    assert "Merged kettle v3.0" in invoke(["sync", "--ref", "v3.0"]).output


def test_dry_run_renders_the_plan(forked: Path) -> None:
    app = forked
    overlap(app)
    before = snapshot_state(app)
    objects = git(app, "count-objects", "-v")
    result = invoke(["sync", "--ref", "v2.0", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would merge kettle v2.0" in result.output
    assert "upstream: 9 file(s): 5 changed, 2 added, 2 deleted (-v lists them)." in result.output
    assert "upstream added: teabag/extra.py" not in result.output
    verbose = invoke(["sync", "--ref", "v2.0", "--dry-run", "-v"])
    assert "upstream added: teabag/extra.py" in verbose.output
    assert "    teabag/util.py" in result.output  # changed on both sides
    assert snapshot_state(app) == before
    assert git(app, "count-objects", "-v") == objects  # not even loose objects
    plan = plan_sync(cwd=app, ref="v2.0")
    assert [t_.entry.ref for t_ in plan.targets] == ["v2.0"] and not plan.relink


def test_refusals(forked: Path) -> None:
    app = forked
    (app / "app.py").write_text("# dirty\n")
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 1 and "uncommitted changes" in result.output
    git(app, "checkout", "-q", "--", "app.py")
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 1 and "no graft sync is in progress" in result.output
    result = invoke(["sync", "nope"])
    assert result.exit_code == 1 and "no vendored package named 'nope'" in result.output
    result = invoke(["sync", "--ref", "v9"])
    assert result.exit_code == 1 and "unknown ref" in result.output
    overlap(app)
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 1 and "in progress" in result.output
    assert abort_sync(cwd=app).action == "abort"


def test_untracked_files_in_the_fork_survive(forked: Path) -> None:
    app = forked
    build_file_tree(app, {"teabag/notes.md": "mine\n", "teabag/cache/x.bin": b"\0"})
    sync(ref="v2.0", cwd=app)
    assert (app / "teabag" / "notes.md").read_text() == "mine\n"
    assert (app / "teabag" / "cache" / "x.bin").read_bytes() == b"\0"


def test_untracked_file_in_the_way_refuses_and_changes_nothing(forked: Path) -> None:
    app = forked
    build_file_tree(app, {"teabag/extra.py": "# my own extra\n"})
    before = snapshot_state(app)
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 1
    assert (
        "Error: git merge failed: untracked files are in the way of upstream's: "
        "teabag/extra.py." in result.output
    )
    assert snapshot_state(app) == before


@pytest.mark.parametrize(
    "step", ["planned", "snapshot", "state", "merged", "recorded", "committed"]
)
def test_interrupted_sync_leaves_repository_as_it_was(step: str, forked: Path) -> None:
    """Before the merge commit, an interrupt takes everything back; after it, the sync is done."""
    app = forked
    build_file_tree(app, {"teabag/notes.md": "mine\n"})
    before = snapshot_state(app)

    with interrupt_at(step):
        with pytest.raises(KeyboardInterrupt):
            sync(ref="v2.0", cwd=app)
    assert not (app / ".git" / "graft" / "sync.json").exists()
    assert not (app / ".git" / "graft" / "operation.json").exists()
    if step == "committed":
        assert manifest_at(app).ref == "v2.0"
        assert git(app, "status", "--porcelain") == "?? teabag/notes.md\n"
        return
    assert snapshot_state(app) == before
    assert sync(ref="v2.0", cwd=app).status == "merged"


@pytest.mark.parametrize("step", ["relinked", "merged"])
def test_interrupted_sync_after_squash_restores_the_branch(step: str, forked: Path) -> None:
    app = forked
    git(app, "checkout", "-q", "--orphan", "squashed")
    git(app, "commit", "-q", "-m", "squashed")
    before = snapshot_state(app)

    with interrupt_at(step):
        with pytest.raises(KeyboardInterrupt):
            sync(ref="v2.0", cwd=app)
    assert snapshot_state(app) == before


def test_continue_after_interrupt_in_conflict_state_then_abort(forked: Path) -> None:
    """An interruption while stopped on conflicts is git's merge state, undone by --abort."""
    app = forked
    overlap(app)
    before = snapshot_state(app)
    report = sync(ref="v2.0", cwd=app)
    assert report.status == "conflicts" and report.conflicts == ("teabag/util.py",)
    assert abort_sync(cwd=app).action == "abort"
    assert snapshot_state(app) == before
    with pytest.raises(Exception, match="no graft sync is in progress"):
        continue_sync(cwd=app)


def test_source_directory_sync(
    upstream: Path, app_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory source: the fork follows whatever the directory holds now."""
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--branch", "v1.0", str(upstream), str(work))
    shutil.rmtree(work / ".git")
    monkeypatch.chdir(app_repo)
    fork(str(work), "teabag")
    edit(work / "kettle" / "core.py", "return minutes * 60", "return minutes * 61")
    result = invoke(["sync"])
    assert result.exit_code == 0, result.output
    assert "minutes * 61" in (app_repo / "teabag" / "core.py").read_text()
    assert invoke(["sync"]).output.strip().endswith("already up to date with kettle 1.0.")
    # --ref means nothing to a directory: refused, not "up to date".
    before = snapshot_state(app_repo)
    result = invoke(["sync", "--source", str(work), "--ref", "2.0"])
    assert result.exit_code == 1
    assert (
        "Error: --ref applies to git sources only; ../work is a directory at 1.0." in result.output
    )
    assert snapshot_state(app_repo) == before


def _site(root: Path, version: str, body: str) -> Path:
    build_file_tree(
        root,
        {
            f"tinydist-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: tinydist\nVersion: {version}\n",
            f"tinydist-{version}.dist-info/RECORD": "tiny/__init__.py,,\ntiny/core.py,,\n",
            "tiny/__init__.py": "from tiny.core import value\n",
            "tiny/core.py": body,
        },
    )
    return root


def test_distribution_upgrade_via_search_path(
    app_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _site(
        tmp_path / "site1",
        "1.0",
        "import tiny\n\n\ndef value():\n    return 1\n\n\ndef other():\n    return 'a'\n",
    )
    new = _site(
        tmp_path / "site2",
        "1.1",
        "import tiny\n\n\ndef value():\n    return 2\n\n\ndef other():\n    return 'a'\n",
    )
    monkeypatch.chdir(app_repo)
    fork("tinydist", "mytiny", search_path=[str(old)])
    edit(app_repo / "mytiny" / "core.py", "return 'a'", "return 'mine'")
    git_commit_all(app_repo, "mine")
    result = invoke(["sync", "--search-path", str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["status"] == "merged" and data["steps"][0]["new_revision"] == "1.1"
    # The fork's answer to distribution lookups moves with the release it carries.
    assert data["steps"][0]["upstream_changes"] == [
        {"status": "M", "path": "mytiny/_graft_distribution.py", "new_path": None},
        {"status": "M", "path": "mytiny/core.py", "new_path": None},
    ]
    assert "VERSION = '1.1'" in (app_repo / "mytiny" / "_graft_distribution.py").read_text()
    core = (app_repo / "mytiny" / "core.py").read_text()
    assert "return 2" in core and "return 'mine'" in core and "import mytiny" in core
    # Going back to 1.0 is refused.
    result = invoke(["sync", "--search-path", str(old)])
    assert result.exit_code == 1 and "would downgrade tiny from 1.1 to 1.0" in result.output
    # 1.1 is no longer installed anywhere: after a squash the base cannot be rebuilt.
    git(app_repo, "checkout", "-q", "--orphan", "squashed")
    git(app_repo, "commit", "-q", "-m", "squashed")
    git(app_repo, "branch", "-q", "-D", "main")
    git(app_repo, "reflog", "expire", "--expire=now", "--all")
    git(app_repo, "gc", "-q", "--prune=now")
    result = invoke(["sync", "--search-path", str(new.parent / "nowhere")])
    assert result.exit_code == 1
    assert "no installed distribution" in result.output


def test_move_to_another_source(forked: Path, tmp_path: Path) -> None:
    """--source: the same package from a directory instead of the git repository."""
    app = forked
    upstream = app.parent / "upstream"
    work = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", "--branch", "v2.0", str(upstream), str(work))
    shutil.rmtree(work / ".git")
    result = invoke(["sync", "--source", str(work)])
    assert result.exit_code == 0, result.output
    entry = manifest_at(app)
    assert (entry.source_kind, entry.source, entry.revision, entry.ref) == (
        "directory",
        "../checkout",
        "2.0",
        None,
    )
    assert "minutes * 60 + 30" in (app / "teabag" / "core.py").read_text()


def test_state_is_visible_while_stopped(forked: Path) -> None:
    from graft import state, vcs

    app = forked
    overlap(app)
    repo = vcs.Repo(app)
    assert state.stopped_sync(repo) is None and state.load(repo) is None
    result = invoke(["sync", "--ref", "v2.0", "--format", "json"])
    assert result.exit_code == 3
    assert '"conflicts": [\n        "teabag/util.py"\n      ]' in result.output
    stopped = state.stopped_sync(repo)
    assert stopped is not None and stopped == state.load(repo)
    assert stopped.name == "teabag" and stopped.conflicts == ("teabag/util.py",)
    # git's own `merge --abort` leaves graft's state stale; the next sync notices and goes on.
    git(app, "merge", "--abort")
    assert state.stopped_sync(repo) is None
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    assert invoke(["sync", "--abort"]).exit_code == 0


def test_merge_concluded_with_git_commit(forked: Path) -> None:
    """Finishing with plain `git commit` records the base too; --abort then refuses to undo it."""
    app = forked
    overlap(app)
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    (app / "teabag" / "util.py").write_text(git(app, "show", ":3:teabag/util.py"))
    git(app, "add", "teabag/util.py")
    git(app, "commit", "-q", "--no-edit")
    assert manifest_at(app).snapshot == git(app, "rev-parse", "HEAD^2").strip()
    build_file_tree(app, {"later.txt": "x\n"})
    git_commit_all(app, "later work")
    before = snapshot_state(app)
    result = invoke(["sync", "--abort"])
    assert result.exit_code == 1 and "already concluded" in result.output
    assert snapshot_state(app) == before
    assert "already up to date" in invoke(["sync", "--ref", "v2.0"]).output


def test_step_continue_after_git_commit(forked: Path) -> None:
    app = forked
    overlap(app)
    assert invoke(["sync", "--step", "--ref", "v3.0"]).exit_code == 3
    (app / "teabag" / "util.py").write_text(git(app, "show", ":3:teabag/util.py"))
    git(app, "add", "teabag/util.py")
    git(app, "commit", "-q", "--no-edit")
    result = invoke(["sync", "--continue"])
    assert result.exit_code == 0, result.output
    assert manifest_at(app).ref == "v3.0"


def test_base_that_cannot_be_rebuilt_is_refused(
    upstream: Path, app_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A squashed history, a pruned snapshot, and a directory source that moved on."""
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--branch", "v1.0", str(upstream), str(work))
    shutil.rmtree(work / ".git")
    monkeypatch.chdir(app_repo)
    fork(str(work), "teabag")
    git(app_repo, "checkout", "-q", "--orphan", "squashed")
    git(app_repo, "commit", "-q", "-m", "squashed")
    git(app_repo, "branch", "-q", "-D", "main")
    git(app_repo, "reflog", "expire", "--expire=now", "--all")
    git(app_repo, "gc", "-q", "--prune=now")
    edit(work / "kettle" / "core.py", "return minutes * 60", "return minutes * 61")
    before = snapshot_state(app_repo)
    result = invoke(["sync"])
    assert result.exit_code == 1
    assert "its files differ from those recorded" in result.output
    assert snapshot_state(app_repo) == before


def test_unchanged_upstream_files_are_not_rewritten_again(forked: Path, tmp_path: Path) -> None:
    app = forked
    assert sync(ref="v2.0", cwd=app).status == "merged"
    # v3.0 changes __init__.py and core.py only: the other files reuse earlier rewrites.
    plan = plan_sync(cwd=app, ref="v3.0")
    assert plan.targets[0].rendering.rewritten == 2
    # A fresh clone has no cache: it rewrites every file naming kettle, to the same tree.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(app), str(clone))
    cold = plan_sync(cwd=clone, ref="v3.0")
    assert cold.targets[0].rendering.rewritten > 2
    assert cold.targets[0].rendering.tree == plan.targets[0].rendering.tree
    # And it reports the same findings: the cache holds them with each rewrite.
    assert cold.targets[0].rendering.findings == plan.targets[0].rendering.findings


def test_sync_findings_are_those_of_the_files_it_brings_in(forked: Path, tmp_path: Path) -> None:
    """The same sync in the forking repository and in a fresh clone prints the same findings."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(forked), str(clone))
    here = sync(ref="v2.0", cwd=forked)
    there = sync(ref="v2.0", cwd=clone)
    assert here.status == there.status == "merged"
    assert [(f.path, f.line, f.kind, f.message) for f in here.findings] == [
        (f.path, f.line, f.kind, f.message) for f in there.findings
    ]
    changed = {c.new_path or c.path for step in here.steps for c in step.upstream_changes}
    assert all(f.path in changed for f in here.findings)


@pytest.mark.parametrize("step", ["continue-recorded", "continue-committed"])
def test_interrupted_continue_can_be_resumed_or_aborted(step: str, forked: Path) -> None:
    app = forked
    overlap(app)
    before = snapshot_state(app)
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    (app / "teabag" / "util.py").write_text(git(app, "show", ":3:teabag/util.py"))
    git(app, "add", "teabag/util.py")

    with interrupt_at(step):
        with pytest.raises(KeyboardInterrupt):
            continue_sync(cwd=app)
    if step == "continue-recorded":
        # Still git's merge state: --abort goes back to before the sync.
        assert "teabag/util.py" in git(app, "diff", "--cached", "--name-only")
        assert invoke(["sync", "--abort"]).exit_code == 0
        assert snapshot_state(app) == before
    else:
        # Past the merge commit: the continue is complete, bookkeeping included.
        assert manifest_at(app).snapshot == git(app, "rev-parse", "HEAD^2").strip()
        assert not (app / ".git" / "graft" / "sync.json").exists()
        assert invoke(["sync", "--continue"]).exit_code == 1  # nothing left to continue


KILL = """
import os, sys
from pathlib import Path
from graft import snapshot
from graft.sync import sync

def hook(step):
    if step == sys.argv[1]:
        os._exit(9)  # no cleanup at all, like kill -9

snapshot.set_checkpoint_hook(hook)
sync(cwd=Path.cwd(), ref="v2.0")
"""


@pytest.mark.parametrize(
    ("squash", "step"),
    [(False, "state"), (False, "recorded"), (False, "committed"), (True, "relinked")],
)
def test_killed_sync_is_undone_by_abort(squash: bool, step: str, forked: Path) -> None:
    """A killed process: the repository is as it was, or `graft sync --abort` makes it so."""
    import subprocess
    import sys

    app = forked
    if squash:
        git(app, "checkout", "-q", "--orphan", "squashed")
        git(app, "commit", "-q", "-m", "squashed")
    build_file_tree(app, {"teabag/notes.md": "mine\n"})
    before = snapshot_state(app)
    proc = subprocess.run(
        [sys.executable, "-c", KILL, step], cwd=app, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 9, proc.stderr
    # The next graft command finds the operation the killed process left, and finishes
    # it (the merge commit was made) or takes it back, saying so.
    result = invoke(["status", "--offline"])
    assert result.exit_code == 0, result.output
    assert not (app / ".git" / "graft" / "operation.json").exists()
    if step == "committed":  # killed after its record was cleared: nothing to recover
        assert "interrupted" not in result.output
        assert manifest_at(app).ref == "v2.0"
        assert not (app / ".git" / "graft" / "sync.json").exists()
        assert invoke(["sync", "--ref", "v2.0"]).exit_code == 0
        return
    assert "undid it" in result.output
    assert snapshot_state(app) == before
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 0


# -- between plan and apply ----------------------------------------------------------
# apply() does not rerun `git status` when HEAD, the index and pyproject.toml are as
# planned; these tests change each of them in between and check nothing is lost.


def _stage_an_edit(app: Path) -> None:
    (app / "app.py").write_text("# staged after the plan\n")
    git(app, "add", "app.py")


def _edit_the_manifest(app: Path) -> None:
    # graft writes pyproject.toml itself (outside git's merge), so an unstaged edit
    # there would be committed with the merge or lost by a rollback.
    with (app / "pyproject.toml").open("a") as handle:
        handle.write("# my note, not staged\n")


def _commit_more(app: Path) -> None:
    build_file_tree(app, {"later.txt": "committed after the plan\n"})
    git_commit_all(app, "later")


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        pytest.param(_stage_an_edit, DirtyWorktreeError, "uncommitted changes", id="index"),
        pytest.param(_edit_the_manifest, DirtyWorktreeError, "pyproject.toml", id="manifest"),
        pytest.param(_commit_more, VcsError, "HEAD moved since the sync was planned", id="head"),
    ],
)
def test_apply_refuses_what_moved_after_planning(
    forked: Path,
    change: t.Callable[[Path], None],
    error: type[Exception],
    match: str,
) -> None:
    app = forked
    plan = plan_sync(cwd=app, ref="v2.0")
    change(app)
    before = snapshot_state(app)
    with pytest.raises(error, match=match):
        apply(plan)
    assert snapshot_state(app) == before


def test_apply_keeps_an_unrelated_edit_made_after_planning(forked: Path) -> None:
    app = forked
    original = (app / "app.py").read_bytes()
    plan = plan_sync(cwd=app, ref="v2.0")
    (app / "app.py").write_text("# edited while the sync ran\n")
    assert apply(plan).status == "merged"
    assert (app / "app.py").read_text() == "# edited while the sync ran\n"  # kept, and
    assert git(app, "show", "HEAD:app.py").encode() == original  # not committed
    assert git(app, "status", "--porcelain", "--untracked-files=no") == " M app.py\n"
    assert manifest_at(app).revision == git(app / ".." / "upstream", "rev-parse", "v2.0").strip()


def test_sync_with_a_user_graft_table_after_the_entries(forked: Path) -> None:
    # A user's own [tool.graft] written after graft's [tool.graft.packages.*] table
    # (tomlkit reads it as an out-of-order table) is kept as written.
    app = forked
    mine = "\n# my settings\n[tool.graft]\nquiet = true  # keep\n"
    with (app / "pyproject.toml").open("a") as handle:
        handle.write(mine)
    git_commit_all(app, "my graft settings")
    before = (app / "pyproject.toml").read_text()
    assert sync(ref="v2.0", cwd=app).status == "merged"
    after = (app / "pyproject.toml").read_text()
    assert after.endswith(mine)
    assert manifest_at(app).revision == git(app / ".." / "upstream", "rev-parse", "v2.0").strip()
    assert len(after.splitlines()) == len(before.splitlines())
    assert git(app, "status", "--porcelain", "--untracked-files=no") == ""


def _interrupt_report(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """Ctrl-C while the report is printed: after the point of no return."""

    def render(report: t.Any, **options: t.Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("graft.cli.render.report_text", render)


@pytest.mark.parametrize("conflicted", [False, True], ids=["merged", "conflicts"])
def test_interrupt_after_the_merge_exits_0_and_says_what_was_completed(
    forked: Path, monkeypatch: pytest.MonkeyPatch, conflicted: bool
) -> None:
    app = forked
    if conflicted:
        overlap(app)
    _interrupt_report(monkeypatch, "sync")
    result = CliRunner().invoke(main, ["sync", "--ref", "v2.0"])
    # The command's own exit code: a merge stopped on conflicts is not a success.
    assert result.exit_code == (3 if conflicted else 0), result.output
    if conflicted:
        assert (
            "Interrupted while reporting; the merge, stopped on conflicts was completed."
            in result.output
        )
        assert "UU teabag/util.py" in git(app, "status", "--porcelain")
        # --abort and --continue mark their own completion.
        result = CliRunner().invoke(main, ["sync", "--abort"])
        assert result.exit_code == 0, result.output
        assert "the abort of the sync was completed" in result.output
        assert git(app, "status", "--porcelain") == ""
    else:
        head = git(app, "rev-parse", "HEAD").strip()
        assert (
            f"Interrupted while reporting; the merge commit {head[:10]} was completed."
            in result.output
        )
        assert manifest_at(app).snapshot == git(app, "rev-parse", "HEAD^2").strip()


def test_interrupt_after_continue_exits_0(forked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = forked
    overlap(app)
    assert invoke(["sync", "--ref", "v2.0"]).exit_code == 3
    path = app / "teabag" / "util.py"
    path.write_text(git(app, "show", ":3:teabag/util.py"))
    git(app, "add", "teabag/util.py")
    _interrupt_report(monkeypatch, "sync")
    result = CliRunner().invoke(main, ["sync", "--continue"])
    head = git(app, "rev-parse", "HEAD").strip()
    assert result.exit_code == 0, result.output
    assert f"the merge commit {head[:10]} was completed" in result.output


def test_interrupt_before_the_merge_commit_still_exits_130(forked: Path) -> None:
    app = forked
    before = snapshot_state(app)

    with interrupt_at("recorded"):
        result = CliRunner().invoke(main, ["sync", "--ref", "v2.0"])
    assert result.exit_code == 130 and "Error: interrupted; nothing was changed." in result.output
    assert snapshot_state(app) == before


def test_moved_fork_is_refused_until_its_path_is_updated_then_syncs_in_place(forked: Path) -> None:
    app = forked
    (app / "lib").mkdir()
    git(app, "mv", "teabag", "lib/teabag")
    git(app, "commit", "-q", "-m", "move the fork")
    # Status once read this as "every file deleted", and a sync dropped
    # upstream's new files as "kept deleted".
    before = snapshot_state(app)
    message = (
        "Error: the fork teabag is not at teabag/ any more (moved to lib/teabag/?). "
        'Set path = "lib/teabag" in [tool.graft.packages.teabag] and run graft sync again.'
    )
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 1 and message in result.output, result.output
    assert snapshot_state(app) == before
    result = invoke(["status", "--offline"])
    assert "the fork teabag is not at teabag/ any more (moved to lib/teabag/?)" in result.output
    # With the path updated, the sync merges at the new place, file by file.
    edit(app / "pyproject.toml", 'path = "teabag"', 'path = "lib/teabag"')
    git_commit_all(app, "tell graft")
    result = invoke(["status", "--offline"])
    assert "changes:   3 file(s)" in result.output, result.output
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0, result.output
    assert git(app, "status", "--porcelain") == ""
    assert not (app / "teabag").exists()
    core = (app / "lib" / "teabag" / "core.py").read_text()
    assert "pour(cup).upper()  # mine" in core and "minutes * 60 + 30" in core
    assert "from teabag.core import brew" in (app / "lib" / "teabag" / "extra.py").read_text()
    assert '"is a tiny package"  # mine' in (app / "lib" / "teabag" / "new_name.py").read_text()
    entry = manifest_at(app)
    assert entry.path == "lib/teabag"
    assert set(git(app, "ls-tree", "--name-only", entry.snapshot).split()) == {"lib"}
    # The re-rooted base: a snapshot commit (fixed identity and date) under the new path,
    # whose parent is the old snapshot; the same move gives the same commit.
    rerooted = git(app, "rev-parse", f"{entry.snapshot}^").strip()
    assert (
        git(app, "log", "-1", "--format=%an %ad", "--date=iso-strict", rerooted).strip()
        == "graft 2000-01-01T00:00:00+00:00"
    )
    assert set(git(app, "ls-tree", "--name-only", rerooted).split()) == {"lib"}
    assert (
        invoke(["sync", "--ref", "v2.0"])
        .output.strip()
        .endswith("already up to date with kettle v2.0 (" + entry.revision[:10] + ").")
    )


def test_kept_deleted_says_when_upstream_renamed_the_file(forked: Path) -> None:
    app = forked
    git(app, "rm", "-q", "teabag/old_name.py")
    git(app, "commit", "-q", "-m", "I do not need it")
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 0, result.output
    assert (
        "kept deleted: teabag/old_name.py (you deleted it; upstream renamed it to "
        "teabag/new_name.py)"
    ) in result.output


def test_same_version_with_other_files_is_labelled_by_digest(
    app_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install or dev build changes without a new version number."""
    site = _site(tmp_path / "site", "1.0", "def value():\n    return 1\n")
    monkeypatch.chdir(app_repo)
    fork("tinydist", "mytiny", search_path=[str(site)])
    old_tree = manifest_at_name(app_repo, "mytiny").upstream_tree
    build_file_tree(site, {"tiny/core.py": "def value():\n    return 2\n"})
    result = invoke(["status", "--search-path", str(site)])
    assert "files changed since the fork (same version number)" in result.output, result.output
    assert f"recorded:  tiny 1.0+{old_tree[:10]}" in result.output
    result = invoke(["check", "--search-path", str(site)])
    assert (
        "is available (files changed since the fork, same version number), the fork is at "
        f"tiny 1.0+{old_tree[:10]}" in result.output
    ), result.output
    result = invoke(["sync", "--search-path", str(site)])
    assert result.exit_code == 0, result.output
    new_tree = manifest_at_name(app_repo, "mytiny").upstream_tree
    assert f"Merged tiny 1.0+{new_tree[:10]} into mytiny" in result.output
    subject = git(app_repo, "log", "-1", "--format=%s")
    assert f"tiny 1.0+{old_tree[:10]} -> tiny 1.0+{new_tree[:10]}" in subject
    assert "return 2" in (app_repo / "mytiny" / "core.py").read_text()


def manifest_at_name(app: Path, name: str) -> t.Any:
    return parse_manifest(git(app, "show", "HEAD:pyproject.toml")).select(name)


def test_dry_run_of_a_dirty_work_tree_notes_it_and_changes_nothing(forked: Path) -> None:
    app = forked
    edit(app / "teabag" / "core.py", "# mine", "# mine, uncommitted")
    before = snapshot_state(app)
    # The dry run once refused like the real sync.
    result = invoke(["sync", "--ref", "v2.0", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would merge kettle v2.0" in result.output
    assert (
        "Note: the real sync needs a clean work tree (uncommitted: teabag/core.py)."
        in result.output
    )
    assert snapshot_state(app) == before
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 1 and "uncommitted changes" in result.output
    assert snapshot_state(app) == before


@pytest.mark.parametrize("command", ["status", "diff", "check", "sync"])
def test_no_pyproject_says_nothing_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    repo = tmp_path / "bare_app"
    build_file_tree(repo, {"app.py": "print('hi')\n"})
    git(repo, "init", "-q")
    git_commit_all(repo, "app")
    monkeypatch.chdir(repo)
    result = invoke([command])
    assert result.exit_code == 1
    assert (
        "Error: no pyproject.toml here: nothing is recorded (run graft fork first)."
        in result.output
    ), result.output
