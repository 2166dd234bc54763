"""Renaming and storing pristine snapshots: pinned tree ids, reuse, and what git holds after.

Determinism is the contract of a snapshot: a sync rebuilds a missing base by rendering
the recorded upstream again and compares tree ids, so the ids must not move when the
rendering code is rearranged (the rewrite once moved in memory and the writes to
``git fast-import``/``mktree``). ``PINNED_TREE`` was computed by the code before that
change; if a deliberate engine change moves it, ``ENGINE_VERSION`` must move too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from graft import snapshot, vcs
from graft.errors import RewriteError
from graft.manifest import Entry
from graft.sources import Upstream

UPSTREAM: dict[str, bytes] = {
    "__init__.py": b'"""Kettle."""\nfrom kettle.core import boil\n\n__all__ = ["boil"]\n',
    "core.py": (
        b"import kettle.util\nfrom kettle import util as u\n\n\n"
        b"def boil() -> int:\n    return kettle.util.heat() + u.heat()\n"
    ),
    "util.py": b"def heat() -> int:\n    return 100\n",
    "core.pyi": b"from kettle.util import heat as heat\n",
    "py.typed": b"",
    "sub/__init__.py": b"",
    "sub/deep.py": b'from kettle.sub import crlf\nimport kettle\n\nPLUGINS = "kettle.plugins"\n',
    "sub/crlf.py": b"import kettle\r\nprint(kettle.__name__)\r\n",
    "sub/latin.py": "# -*- coding: latin-1 -*-\nimport kettle  # caf\u00e9\n".encode("latin-1"),
    "odd name.py": b"from kettle import core\n",
    "templates/page.html": b"<p>{{ kettle }}</p>\n",
    "kettle.toml": b'name = "kettle"\n',
    "data.bin": bytes(range(256)),
    "LICENSE": b"MIT License\n",
}
MAPS = ["kettle=brew"]
PREFIX = "vendor/brew"
PINNED_TREE = "2e129f55a915987552cf71c11f96614b744a765b"
"""``snapshot.build_tree`` of UPSTREAM with engine version 2 (code in strings and docstrings,
the package's own ``_graft_distribution.py``), and 3 (packaging metadata: UPSTREAM has none,
so the tree stayed); engine version 1 gave
``c7003af7206d5a5ee0d1d73731b88956971146d7``, computed before the rewrite moved in memory."""
PINNED_FINDINGS = [
    ("vendor/brew/kettle.toml", 1, "file"),
    ("vendor/brew/sub/deep.py", 4, "string"),
    ("vendor/brew/templates/page.html", 1, "file"),
]


def upstream(files: dict[str, bytes] | None = None) -> Upstream:
    return Upstream(
        "directory", "kettle", "kettle", "1.0", files=UPSTREAM if files is None else files
    )


@pytest.fixture
def repo(tmp_path: Path) -> vcs.Repo:
    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q")
    return vcs.Repo(root)


def stored_files(repo: vcs.Repo, tree: str) -> dict[str, bytes]:
    listing = repo.ls_tree(tree)
    blobs = repo.read_blobs(listing.values())
    return {path: blobs[sha] for path, sha in listing.items()}


def test_snapshot_tree_is_pinned() -> None:
    rendering = snapshot.build_tree(upstream(), MAPS, PREFIX)
    assert rendering.tree == PINNED_TREE
    assert [(f.path, f.line, f.kind) for f in rendering.findings] == PINNED_FINDINGS
    assert rendering.rewritten == 9  # the files whose bytes name kettle
    assert rendering.unstored is None  # no repository: nothing was looked up


def test_store_writes_exactly_the_rendered_bytes(repo: vcs.Repo) -> None:
    rendering = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    assert rendering.tree == PINNED_TREE
    assert snapshot.store(repo, rendering) == PINNED_TREE
    files = stored_files(repo, PINNED_TREE)
    assert sorted(files) == sorted(
        f"{PREFIX}/{rel}" for rel in [*UPSTREAM, "_graft_distribution.py"]
    )
    # The package answers distribution lookups itself, as the upstream 1.0 it carries.
    assert files[f"{PREFIX}/__init__.py"].startswith(
        b'"""Kettle."""\nfrom . import _graft_distribution  # noqa: F401'
    )
    assert b"\nVersion: 1.0\n" in files[f"{PREFIX}/_graft_distribution.py"]
    assert files[f"{PREFIX}/core.py"] == (
        b"import brew.util\nfrom brew import util as u\n\n\n"
        b"def boil() -> int:\n    return brew.util.heat() + u.heat()\n"
    )
    assert files[f"{PREFIX}/sub/crlf.py"] == b"import brew\r\nprint(brew.__name__)\r\n"
    assert files[f"{PREFIX}/sub/latin.py"] == UPSTREAM["sub/latin.py"].replace(b"kettle", b"brew")
    assert files[f"{PREFIX}/data.bin"] == UPSTREAM["data.bin"]
    assert (
        files[f"{PREFIX}/templates/page.html"] == UPSTREAM["templates/page.html"]
    )  # reported only
    assert git(repo.root, "fsck", "--no-dangling", "--connectivity-only") == ""


def test_reuse_gives_the_same_tree_and_writes_nothing_new(repo: vcs.Repo) -> None:
    first = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    snapshot.store(repo, first)
    snapshot.save_cache(repo, first)
    again = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    assert (again.tree, again.rewritten, again.unstored) == (PINNED_TREE, 0, frozenset())
    assert snapshot.store(repo, again) == PINNED_TREE
    # One file changes upstream: only it is rewritten, and the result matches a cold render.
    changed = {**UPSTREAM, "util.py": b"import kettle\n\ndef heat() -> int:\n    return 99\n"}
    warm = snapshot.build_tree(upstream(changed), MAPS, PREFIX, repo=repo)
    cold = snapshot.build_tree(upstream(changed), MAPS, PREFIX)
    assert warm.rewritten == 1
    assert warm.tree == cold.tree != PINNED_TREE
    assert snapshot.store(repo, warm) == cold.tree
    assert stored_files(repo, cold.tree)[f"{PREFIX}/util.py"] == (
        b"import brew\n\ndef heat() -> int:\n    return 99\n"
    )


def test_a_rendering_made_without_a_repository_is_looked_up_when_stored(repo: vcs.Repo) -> None:
    rendering = snapshot.build_tree(upstream(), MAPS, PREFIX)
    assert snapshot.store(repo, rendering) == PINNED_TREE
    assert snapshot.store(repo, rendering) == PINNED_TREE  # everything there: nothing to write
    assert stored_files(repo, PINNED_TREE)[f"{PREFIX}/LICENSE"] == b"MIT License\n"


def test_pruned_reuse_is_rendered_again_or_refused_at_store(repo: vcs.Repo) -> None:
    first = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    snapshot.store(repo, first)
    snapshot.save_cache(repo, first)
    reused = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    assert reused.rewritten == 0
    # Nothing refers to the objects: a prune drops them.
    git(repo.root, "prune", "--expire=now")
    git(repo.root, "gc", "-q", "--prune=now")
    assert repo.missing_objects(first.files.values())
    # Planned before the prune, stored after: refused with the way out, nothing half-written.
    with pytest.raises(RewriteError, match="missing from git's object database") as info:
        snapshot.store(repo, reused)
    assert "Run the command again" in info.value.format_message()
    # Planned again: the stale cache entries are noticed and the files rewritten.
    again = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    assert again.rewritten == 9
    assert snapshot.store(repo, again) == PINNED_TREE


def test_a_file_the_rewriter_cannot_parse_is_named(repo: vcs.Repo) -> None:
    broken = {**UPSTREAM, "sub/bad.py": b"import kettle\ndef (:\n"}
    with pytest.raises(
        RewriteError,
        match=r"cannot rewrite 1 file\(s\) of kettle 1.0: "
        r"vendor/brew/sub/bad.py:2: cannot parse",
    ):
        snapshot.build_tree(upstream(broken), MAPS, PREFIX, repo=repo)
    assert not (repo.git_dir / "graft").exists()


def test_files_that_never_name_the_package_are_copied_without_the_rewriter() -> None:
    plain = {"a.py": b"import os\n", "data/b.txt": b"text\n"}
    rendering = snapshot.build_tree(upstream(plain), MAPS, "x")
    assert rendering.rewritten == 0
    assert {p: sha for p, sha in rendering.files.items() if "_graft_" not in p} == {
        "x/a.py": vcs.hash_blob(b"import os\n"),
        "x/data/b.txt": vcs.hash_blob(b"text\n"),
    }


def test_findings_do_not_depend_on_the_cache(repo: vcs.Repo) -> None:
    """A fresh clone has no rewrite cache: it must report what the original repository reports."""
    cold = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    snapshot.store(repo, cold)
    snapshot.save_cache(repo, cold)
    warm = snapshot.build_tree(upstream(), MAPS, PREFIX, repo=repo)
    assert warm.rewritten == 0
    assert warm.findings == cold.findings
    assert [(f.path, f.line, f.kind) for f in warm.findings] == PINNED_FINDINGS


def test_an_upstream_that_answers_for_itself_is_left_alone() -> None:
    """vial brings its own ``_graft_distribution.py``; nothing is written or added for it."""
    own = {
        "__init__.py": b"import kettle\nfrom . import _graft_distribution\n",
        "_graft_distribution.py": b"NAME = 'x'\n",
    }
    rendering = snapshot.build_tree(upstream(own), MAPS, "x")
    assert rendering.pending[rendering.files["x/_graft_distribution.py"]] == b"NAME = 'x'\n"
    assert rendering.pending[rendering.files["x/__init__.py"]] == (
        b"import brew\nfrom . import _graft_distribution\n"
    )


# -- the snapshot commit's message: written and read in one place ---------------------


def _entry(path: str = "src/brew", maps: tuple[str, ...] = ("kettle=brew",)) -> Entry:
    return Entry(
        name="brew", kind="fork", source="../kettle", source_kind="directory", package="kettle",
        path=path, maps=maps, revision="1.0", upstream_tree="0" * 40,
        fingerprint="sha256:" + "ab" * 32, snapshot="", snapshot_tree="", graft_version="0.1.0",
    )  # fmt: skip


def test_snapshot_message_text_is_pinned() -> None:
    """Snapshot commit ids depend on these bytes: a sync rebuilds a base and compares ids."""
    assert snapshot.snapshot_message(_entry(), "kettle 1.0") == (
        "graft snapshot: kettle 1.0 as brew\n\n"
        "Pristine upstream kettle 1.0, renamed with kettle=brew, at src/brew/.\n"
        f"Rewrite fingerprint: sha256:{'ab' * 32}\n"
        "graft sync merges newer snapshots from here; do not edit or rebase it.\n"
    )


@pytest.mark.parametrize(
    ("upstream", "path", "maps"),
    [
        ("kettle 1.0", "src/brew", ("kettle=brew",)),
        ("v2 (abc1234)", "brew", ("kettle=brew", "kettle.sub=brew.pot", "flask=vial")),
        ("kettle as of today, at noon", "odd, at dir/with space", ("kettle=brew",)),
        ("caf\u00e9 1.0", "lib/caf\u00e9/brew", ("kettle=brew",)),
        ("x as y as z", "a/b/c/d", ("kettle=brew",)),
    ],
)
def test_snapshot_message_round_trips(upstream: str, path: str, maps: tuple[str, ...]) -> None:
    entry = _entry(path, maps)
    record = snapshot.SnapshotMessage.parse(snapshot.snapshot_message(entry, upstream))
    assert record == snapshot.SnapshotMessage(upstream, "brew", maps, path, entry.fingerprint)
    assert record == snapshot.SnapshotMessage.for_entry(entry, upstream)


@pytest.mark.parametrize(
    "message",
    ["", "Merge branch 'main'\n", "graft snapshot: kettle 1.0 as brew\n\nedited by hand\n"],
)
def test_other_messages_are_not_snapshots(message: str) -> None:
    assert snapshot.SnapshotMessage.parse(message) is None


def test_snapshot_prefix_reads_the_commit_git_stored(tmp_path: Path) -> None:
    """git hands the message back through ``log --format=%B`` (an extra newline): still read."""
    git(tmp_path, "init", "-q")
    (tmp_path / "f").write_text("x\n")
    git(tmp_path, "add", "f")
    tree = git(tmp_path, "write-tree").strip()
    repo = vcs.Repo(tmp_path)
    message = snapshot.snapshot_message(_entry("lib/odd, at dir"), "kettle 1.0")
    commit = repo.commit_tree(tree, [], message, snapshot=True)
    assert snapshot.snapshot_prefix(repo, commit) == "lib/odd, at dir"
    plain = repo.commit_tree(tree, [], "not a snapshot\n")
    assert snapshot.snapshot_prefix(repo, plain) is None
    assert snapshot.snapshot_prefix(repo, "1" * 40) is None
