"""graft sync over several recorded packages: the order, one merge commit each, a stop at
the first conflict that ``--continue`` picks up, and ``--abort`` of the stopped one.

The story: upstream kettle v1.0 is forked twice into one app, as ``teabag`` and ``teacup``
(two recorded packages, as a fork and its patched extensions are); upstream then releases
v2.0 and v3.0, and ``graft sync`` without a name brings both forks to v3.0.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import edit, git, git_commit_all, invoke, make_app, make_upstream, snapshot_state

from graft.fork import fork
from graft.manifest import Entry, parse_manifest
from graft.sync import sync_order

_TEMPLATE: dict[str, Path] = {}


def recorded(app: Path, name: str, rev: str = "HEAD") -> Entry:
    return parse_manifest(git(app, "show", f"{rev}:pyproject.toml")).select(name)


@pytest.fixture
def two_forks(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """kettle v1.0 forked as teabag and as teacup, built once and copied per test."""
    if "base" not in _TEMPLATE:
        base = tmp_path_factory.mktemp("sync-all")
        upstream = make_upstream(base)
        app = make_app(base)
        with monkeypatch.context() as m:
            m.chdir(app)
            fork(str(upstream), "teacup", ref="v1.0")
            fork(str(upstream), "teabag", ref="v1.0")
        _TEMPLATE["base"] = base
    for name in ("upstream", "app"):
        shutil.copytree(_TEMPLATE["base"] / name, tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "app")
    return tmp_path / "app"


def overlap(app: Path, name: str) -> None:
    """A local edit on the very line v2.0 changes."""
    edit(app / name / "util.py", "result = thing.strip()", "result = thing.strip().lower()  # mine")
    git_commit_all(app, f"my overlapping edit to {name}")


def test_without_a_name_every_package_is_synced_in_order(two_forks: Path) -> None:
    app = two_forks
    v3 = git(app.parent / "upstream", "rev-parse", "v3.0").strip()
    before = git(app, "rev-parse", "HEAD").strip()
    dry = invoke(["sync", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.index("teabag:") < dry.output.index("teacup:")
    assert "into teacup (from" in dry.output
    assert git(app, "rev-parse", "HEAD").strip() == before

    result = invoke(["sync", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["name"] for p in data["packages"]] == ["teabag", "teacup"]
    assert [p["status"] for p in data["packages"]] == ["merged", "merged"]
    # One merge commit per package, teabag's first; each records its own entry.
    subjects = git(app, "log", "--first-parent", "--format=%s", f"{before}..HEAD").splitlines()
    assert [s.split(":")[0] for s in subjects] == ["graft sync teacup", "graft sync teabag"]
    assert recorded(app, "teabag").revision == recorded(app, "teacup").revision == v3
    assert recorded(app, "teacup", "HEAD^1").revision != v3  # teacup moved in its own merge
    assert git(app, "status", "--porcelain") == ""
    again = invoke(["sync", "--all"])
    assert again.exit_code == 0 and again.output.count("already up to date") == 2


def test_a_conflict_stops_the_run_and_continue_syncs_the_rest(two_forks: Path) -> None:
    app = two_forks
    overlap(app, "teabag")
    result = invoke(["sync"])
    assert result.exit_code == 3, result.output
    assert "Still to sync in this run: teacup" in result.output
    assert "then `graft sync --continue` (it then syncs teacup)" in result.stderr
    status = invoke(["status"]).output
    assert "behind; the stopped run syncs it after `graft sync --continue`" in status
    assert "sync:      queued after teabag, in the stopped run over several packages" in status
    # Resolve teabag's conflict: keep both sides.
    util = app / "teabag" / "util.py"
    text = util.read_text()
    assert "<<<<<<<" in text
    lines = [
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
    ]
    util.write_text("".join(line for line in lines if "# mine" not in line))
    git(app, "add", "teabag/util.py")
    done = invoke(["sync", "--continue"])
    assert done.exit_code == 0, done.output
    assert done.output.index("teabag:") < done.output.index("teacup:")
    v3 = git(app.parent / "upstream", "rev-parse", "v3.0").strip()
    assert recorded(app, "teabag").revision == recorded(app, "teacup").revision == v3
    assert git(app, "status", "--porcelain") == ""
    assert invoke(["sync", "--continue"]).exit_code == 1  # nothing left to continue


def test_abort_gives_up_the_stopped_package_and_names_the_rest(two_forks: Path) -> None:
    app = two_forks
    overlap(app, "teacup")  # teabag merges first, then teacup stops
    result = invoke(["sync"])
    assert result.exit_code == 3, result.output
    merged_teabag = git(app, "rev-parse", "HEAD").strip()
    assert "graft sync teabag" in git(app, "log", "-1", "--format=%s")
    assert "Still to sync" not in result.output  # teacup was the last one
    aborted = invoke(["sync", "--abort"])
    assert aborted.exit_code == 0, aborted.output
    # teabag's merge, concluded before the stop, stays; teacup is back where it was.
    assert git(app, "rev-parse", "HEAD").strip() == merged_teabag
    assert git(app, "status", "--porcelain") == ""


def test_abort_of_a_stopped_run_names_what_was_not_synced(two_forks: Path) -> None:
    app = two_forks
    overlap(app, "teabag")
    before = snapshot_state(app)
    assert invoke(["sync", "--all"]).exit_code == 3
    aborted = invoke(["sync", "--abort"])
    assert aborted.exit_code == 0, aborted.output
    assert "not synced: teacup" in aborted.output
    assert snapshot_state(app) == before


def test_options_that_name_one_package(two_forks: Path) -> None:
    result = invoke(["sync", "--ref", "v2.0"])
    assert result.exit_code == 2 and "--ref moves one package; name it" in result.stderr
    result = invoke(["sync", "teabag", "--all"])
    assert result.exit_code == 2 and "NAME and --all exclude each other" in result.stderr
    result = invoke(["sync", "teabag", "--ref", "v2.0"])
    assert result.exit_code == 0, result.output
    assert "graft sync teabag" in git(two_forks, "log", "-1", "--format=%s")


def entry(name: str, kind: str, maps: tuple[str, ...]) -> Entry:
    return Entry(
        name=name, kind=kind, source="s", source_kind="directory", package=name, path=name,
        maps=maps, revision="1", upstream_tree="t", fingerprint="f", snapshot="s",
        snapshot_tree="t", graft_version="0",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # Forks first, whatever their names; then patches by name.
        (
            [
                entry("flask_login", "patch", ("flask=acme",)),
                entry("acme", "fork", ("vial=acme",)),
                entry("blinker_x", "patch", ("flask=acme",)),
            ],
            ["acme", "blinker_x", "flask_login"],
        ),
        # A package renamed to another recorded package comes after it.
        (
            [
                entry("a_ext", "patch", ("flask=z_lib", "flask.Flask=z_lib.App")),
                entry("z_lib", "patch", ("flask=acme",)),
                entry("acme", "fork", ("vial=acme",)),
            ],
            ["acme", "z_lib", "a_ext"],
        ),
        # A cycle of maps cannot be ordered: broken at the first by kind and name.
        (
            [entry("b", "patch", ("x=a",)), entry("a", "patch", ("x=b",))],
            ["a", "b"],
        ),
    ],
)
def test_sync_order(entries: list[Entry], expected: list[str]) -> None:
    assert [e.name for e in sync_order(entries)] == expected
    assert [e.name for e in sync_order(list(reversed(entries)))] == expected
