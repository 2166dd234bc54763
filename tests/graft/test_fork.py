"""graft fork: real repositories, real upstreams, the real rewrite engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    FIXTURES,
    build_file_tree,
    git,
    git_commit_all,
    interrupt_at,
    make_app,
    make_upstream,
    snapshot_state,
)

from graft import snapshot, sources
from graft.cli import main
from graft.errors import DirtyWorktreeError, VcsError
from graft.fork import fork
from graft.manifest import parse_manifest
from graft.rewrite.distribution import REGISTRATION
from graft.vendoring import apply_vendor, plan_vendor

# Runs the demo app on the fork with the original package made unimportable first.
APP_CHECK = """
import sys
sys.modules[{old!r}] = None
sys.path.insert(0, ".")
from app import app
client = app.test_client()
page = client.get("/")
assert page.status_code == 200, page.status_code
assert "Welcome to acme" in page.get_data(as_text=True), page.get_data(as_text=True)
assert client.get("/hello/bob").get_json() == {{"hello": "bob"}}
result = app.test_cli_runner().invoke(args=["greet", "ann"])
assert result.exit_code == 0, result.output
assert "greetings, ann, from acme" in result.output, result.output
loaded = [m for m, v in sys.modules.items() if v is not None and (m == {old!r} or m.startswith({old!r} + "."))]
assert not loaded, loaded
print("ok")
"""


def run_app_check(app: Path, old: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", APP_CHECK.format(old=old)],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def invoke(args: list[str]) -> t.Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_fork_bundled_vial_serves_app_without_vial(
    app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", "vial", "acme_web"])
    assert result.exit_code == 0, result.output
    assert "Forked vial" in result.output
    assert git(app_repo, "status", "--porcelain") == ""
    assert (app_repo / "acme_web" / "py.typed").exists()
    assert not list((app_repo / "acme_web").rglob("__pycache__"))
    run_app_check(app_repo, "vial")


def test_fork_records_manifest_and_two_commits(
    upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    before = git(app_repo, "rev-parse", "HEAD").strip()
    report = fork(str(upstream), "teabag", ref="v1.0")
    # The branch gets one merge commit by the user; its second parent is the snapshot.
    assert git(app_repo, "rev-parse", "HEAD^1").strip() == before
    snap = git(app_repo, "rev-parse", "HEAD^2").strip()
    assert snap == report.snapshot
    assert (
        git(app_repo, "log", "-1", "--format=%an <%ae>", "HEAD").strip()
        == "Test User <test@example.invalid>"
    )
    assert git(app_repo, "log", "-1", "--format=%an", snap).strip() == "graft"
    assert "graft fork: kettle v1.0" in git(app_repo, "log", "-1", "--format=%s")
    assert git(app_repo, "rev-list", "--parents", "-1", snap).split() == [snap]  # a root commit
    # The snapshot holds only the fork's path.
    assert {
        p.split("/")[0] for p in git(app_repo, "ls-tree", "-r", "--name-only", snap).split()
    } == {"teabag"}
    assert git(app_repo, "status", "--porcelain") == ""
    assert git(app_repo, "config", "rerere.enabled").strip() == "true"
    # The manifest is in pyproject.toml; the user's comment survived.
    text = (app_repo / "pyproject.toml").read_text()
    assert "line-length = 99  # keep this comment: graft must not touch it" in text
    entry = parse_manifest(text).select("teabag")
    assert (entry.kind, entry.package, entry.path, entry.source_kind) == (
        "fork",
        "kettle",
        "teabag",
        "git",
    )
    assert entry.source == "../upstream" and entry.ref == "v1.0"
    assert entry.maps == ("kettle=teabag",)
    assert entry.revision == git(upstream, "rev-parse", "v1.0").strip()
    assert entry.snapshot == snap
    assert entry.snapshot_tree == git(app_repo, "rev-parse", f"{snap}^{{tree}}").strip()
    # Files: rewritten Python, data and licence copied.
    core = (app_repo / "teabag" / "core.py").read_text()
    assert "import teabag.util" in core and "import kettle" not in core
    assert (app_repo / "teabag" / "templates" / "base.html").exists()
    assert (app_repo / "teabag" / "LICENSE").exists()


def test_rerendering_the_recorded_revision_reproduces_the_snapshot(
    upstream: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = []
    for name in ("one", "two"):
        app = make_app(tmp_path / name)
        monkeypatch.chdir(app)
        fork(str(upstream), "teabag", ref="v1.0")
        entry = parse_manifest((app / "pyproject.toml").read_text()).select(None)
        again = snapshot.build_tree(sources.recorded_upstream(entry, app), entry.maps, entry.path)
        assert again.tree == entry.snapshot_tree
        ids.append((entry.snapshot, entry.snapshot_tree))
    # Fixed identity and date: the same input gives the same snapshot commit.
    assert ids[0] == ids[1]


def test_dry_run_changes_nothing(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo)
    before = snapshot_state(app_repo)
    objects = git(app_repo, "count-objects", "-v")
    result = invoke(["fork", "vial", "acme_web", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would fork vial" in result.output and "+ __init__.py" in result.output
    assert snapshot_state(app_repo) == before
    assert git(app_repo, "count-objects", "-v") == objects


def test_json_report(upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", str(upstream), "teabag", "--ref", "v1.0", "--format", "json"])
    data = json.loads(result.output)
    assert data["name"] == "teabag" and data["package"] == "kettle"
    assert "core.py" in data["files"] and data["snapshot"]


def _refusal_cases(tmp: Path, upstream: Path, app: Path) -> dict[str, tuple[list[str], str]]:
    return {
        "identifier": (["fork", "vial", "acme-web"], "not a valid Python identifier"),
        "keyword": (["fork", "vial", "class"], "keyword"),
        "stdlib": (["fork", "vial", "json"], "standard-library"),
        "installed": (["fork", "vial", "click"], "installed module"),
        "same-name": (["fork", str(upstream), "kettle", "--ref", "v1.0"], "upstream's own name"),
        "unknown-source": (["fork", "no_such_dist_xyz", "acme_web"], "unknown source"),
        "unknown-ref": (["fork", str(upstream), "teabag", "--ref", "v9"], "unknown ref"),
        "unknown-package": (["fork", str(upstream), "teabag", "--package", "nope"], "no package"),
        "existing-path": (["fork", "vial", "acme_web", "--path", "templates"], "already exists"),
        # A package is imported by its directory's name.
        "path-name": (
            ["fork", "vial", "acme_web", "--path", "src/other"],
            "the package directory must be named acme_web to be importable as acme_web "
            "(got src/other)",
        ),
        "path-not-identifier": (
            ["fork", "vial", "acme_web", "--path", "lib/acme-web"],
            "must be named acme_web",
        ),
        "ref-bundled": (
            ["fork", "vial", "x1", "--ref", "1.0"],
            "--ref applies to git sources only",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "identifier",
        "keyword",
        "stdlib",
        "installed",
        "same-name",
        "unknown-source",
        "unknown-ref",
        "unknown-package",
        "existing-path",
        "path-name",
        "path-not-identifier",
        "ref-bundled",
    ],
)
def test_refusals_touch_nothing(
    case: str, tmp_path: Path, upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, message = _refusal_cases(tmp_path, upstream, app_repo)[case]
    monkeypatch.chdir(app_repo)
    before = snapshot_state(app_repo)
    result = invoke(args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert snapshot_state(app_repo) == before


def test_refuses_outside_git_and_dirty_tree(
    tmp_path: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    result = invoke(["fork", "vial", "acme_web"])
    assert result.exit_code == 1 and "not inside a git work tree" in result.output
    assert list(plain.iterdir()) == []
    monkeypatch.chdir(app_repo)
    (app_repo / "app.py").write_text("# edited\n")
    before = snapshot_state(app_repo)
    result = invoke(["fork", "vial", "acme_web"])
    assert result.exit_code == 1 and "uncommitted changes (app.py)" in result.output
    assert snapshot_state(app_repo) == before


def test_force_allows_shadowing(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo)
    assert invoke(["fork", "vial", "click", "--force", "--dry-run"]).exit_code == 0


def test_untracked_files_survive(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo)
    build_file_tree(app_repo, {"notes.txt": "mine\n", "build/out.bin": b"\0\1"})
    fork(None, "acme_web")
    assert (app_repo / "notes.txt").read_text() == "mine\n"
    assert (app_repo / "build" / "out.bin").read_bytes() == b"\0\1"


@pytest.mark.parametrize("step", ["planned", "snapshot", "commit", "checkout"])
def test_interrupted_fork_leaves_repository_as_it_was(
    step: str, upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    build_file_tree(app_repo, {"untracked.txt": "keep\n"})
    before = snapshot_state(app_repo)

    with interrupt_at(step):
        with pytest.raises(KeyboardInterrupt):
            fork(str(upstream), "teabag", ref="v1.0")
    assert snapshot_state(app_repo) == before
    assert not (app_repo / "teabag").exists()
    # And the fork then works.
    fork(str(upstream), "teabag", ref="v1.0")
    assert git(app_repo, "status", "--porcelain") == "?? untracked.txt\n"


def test_directory_sources(tmp_path: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    build_file_tree(
        project,
        {
            "pyproject.toml": '[project]\nname = "kit"\nversion = "2.5"\n',
            "LICENSE.txt": "licence\n",
            "src/kit/__init__.py": "from kit.parts import x\n",
            "src/kit/parts.py": "x = 1\n",
            "src/kit/__pycache__/parts.cpython-311.pyc": b"junk",
            "src/kit/data/table.csv": "a,b\n",
            "tests/__init__.py": "",
        },
    )
    monkeypatch.chdir(app_repo)
    report = fork(str(project), "mykit")
    assert report.revision == "2.5" and report.source_kind == "directory"
    assert sorted(report.files) == [
        "LICENSE.txt",
        "__init__.py",
        "_graft_distribution.py",
        "data/table.csv",
        "parts.py",
    ]
    assert (app_repo / "mykit" / "__init__.py").read_text() == (
        f"{REGISTRATION}\nfrom mykit.parts import x\n"
    )
    # A package directory given directly works too.
    report = fork(str(project / "src" / "kit"), "otherkit")
    assert "parts.py" in report.files and "LICENSE.txt" not in report.files


def test_compiled_extension_is_refused(
    tmp_path: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_file_tree(
        tmp_path / "fast",
        {"__init__.py": "", "_speedups.cpython-311-x86_64-linux-gnu.so": b"\x7fELF"},
    )
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", str(tmp_path / "fast"), "myfast"])
    assert result.exit_code == 1
    assert "compiled extension module (_speedups" in result.output


def test_distribution_source(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    monkeypatch.chdir(app_repo)
    report = fork("blinker", "myblinker")
    assert report.source_kind == "distribution"
    assert report.revision == importlib.metadata.version("blinker")
    assert "base.py" in report.files and "py.typed" in report.files
    assert any(name.startswith("LICENSE") for name in report.files)
    assert not any(".pyc" in name for name in report.files)
    text = (app_repo / "myblinker" / "__init__.py").read_text()
    assert "blinker" not in text.replace("myblinker", "")


def test_search_path_for_distributions(
    tmp_path: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    build_file_tree(
        site,
        {
            "tinydist-1.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydist\nVersion: 1.2\n",
            "tinydist-1.2.dist-info/RECORD": "tiny/__init__.py,,\ntinydist-1.2.dist-info/METADATA,,\n",
            "tiny/__init__.py": "import tiny\n",
        },
    )
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", "tinydist", "mytiny", "--search-path", str(site)])
    assert result.exit_code == 0, result.output
    assert (app_repo / "mytiny" / "__init__.py").read_text() == f"{REGISTRATION}\nimport mytiny\n"
    assert parse_manifest((app_repo / "pyproject.toml").read_text()).select(None).revision == "1.2"


def test_fixture_app_is_a_plain_copy() -> None:
    assert (FIXTURES / "apps" / "acme" / "app.py").read_text().count("from acme_web import") == 1


def test_make_upstream_tags_every_version(tmp_path: Path) -> None:
    repo = make_upstream(tmp_path)
    assert git(repo, "tag", "--list").split() == ["v1.0", "v2.0", "v3.0"]
    assert git_commit_all(repo, "noop")


def test_source_defaults_to_the_bundled_vial(
    app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", "acme_web", "--dry-run"])
    assert result.exit_code == 0 and result.output.startswith("Would fork vial ")
    assert invoke(["fork", "a", "b", "c"]).exit_code == 2


def test_nested_path_and_project_in_a_subdirectory(
    upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monorepo: the app (and its pyproject.toml) lives in a subdirectory."""
    build_file_tree(app_repo, {"services/web/pyproject.toml": '[project]\nname = "web"\n'})
    git_commit_all(app_repo, "a second project")
    web = app_repo / "services" / "web"
    monkeypatch.chdir(web)
    report = fork(str(upstream), "teabag", ref="v1.0", path="src/teabag")
    assert (
        report.path == "services/web/src/teabag"
        and report.pyproject == "services/web/pyproject.toml"
    )
    assert (web / "src" / "teabag" / "core.py").exists()
    entry = parse_manifest((web / "pyproject.toml").read_text()).select(None)
    assert entry.source == "../upstream"  # relative to the repository root
    assert "tool.graft" not in (app_repo / "pyproject.toml").read_text()
    assert git(app_repo, "ls-tree", "--name-only", report.snapshot or "").split() == ["services"]
    from graft.sync import sync

    assert sync(cwd=web, ref="v2.0").status == "merged"
    assert (web / "src" / "teabag" / "extra.py").exists()


def test_apply_checks_again_when_the_repository_changed_after_planning(
    upstream: Path, app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # apply_vendor skips the second `git status` only while HEAD, the index and
    # pyproject.toml are as planned: a change to any of them is caught.
    monkeypatch.chdir(app_repo)
    plan = plan_vendor(str(upstream), "teabag", ref="v1.0")
    assert plan.index
    (app_repo / "app.py").write_text("# staged after the plan\n")
    git(app_repo, "add", "app.py")
    before = snapshot_state(app_repo)
    with pytest.raises(DirtyWorktreeError, match=r"uncommitted changes \(app.py\)"):
        apply_vendor(plan)
    assert snapshot_state(app_repo) == before
    git(app_repo, "commit", "-q", "-m", "app.py")
    with pytest.raises(VcsError, match="HEAD moved since the fork was planned"):
        apply_vendor(plan)
    assert apply_vendor(plan_vendor(str(upstream), "teabag", ref="v1.0")).snapshot


def test_interrupt_after_the_fork_commit_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path)
    monkeypatch.chdir(app)

    def render(report: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("graft.cli.render.report_text", render)
    result = CliRunner().invoke(main, ["fork", "vial", "acme_web"])
    head = git(app, "rev-parse", "HEAD").strip()
    assert result.exit_code == 0, result.output
    assert (
        f"Interrupted while reporting; the fork commit {head[:10]} was completed." in result.output
    )
    assert (app / "acme_web" / "__init__.py").is_file()


def _links_and_executables(repo: Path) -> None:
    """kettle's package gets an executable script and a symlink to a module."""
    pkg = repo / "kettle"
    (pkg / "run.py").write_text("#!/usr/bin/env python\nimport kettle\n")
    (pkg / "run.py").chmod(0o755)
    (pkg / "alias.py").symlink_to("core.py")


@pytest.mark.parametrize("kind", ["git", "directory"])
def test_symlinks_and_executables_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    upstream = make_upstream(tmp_path)
    git(upstream, "checkout", "-q", "v1.0")
    _links_and_executables(upstream)
    git_commit_all(upstream, "links")
    git(upstream, "tag", "v1.1")
    source = upstream
    if kind == "directory":
        source = tmp_path / "plain"
        shutil.copytree(upstream, source, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    app = make_app(tmp_path)
    monkeypatch.chdir(app)
    report = fork(str(source), "teabag", **({"ref": "v1.1"} if kind == "git" else {}))
    # A symlink and an executable: both once became 100644 files, the link a file holding "core.py".
    modes = {
        line.split()[3]: line.split()[0]
        for line in git(app, "ls-tree", "-r", "HEAD", "teabag").splitlines()
    }
    assert modes["teabag/run.py"] == "100755" and modes["teabag/alias.py"] == "120000"
    assert modes["teabag/core.py"] == "100644"
    snap_modes = git(
        app, "ls-tree", "-r", report.snapshot or "", "teabag/run.py", "teabag/alias.py"
    )
    assert "100755" in snap_modes and "120000" in snap_modes
    assert (app / "teabag" / "alias.py").is_symlink()
    assert os.readlink(app / "teabag" / "alias.py") == "core.py"
    assert os.access(app / "teabag" / "run.py", os.X_OK)
    assert "import teabag" in (app / "teabag" / "run.py").read_text()
    # Deterministic: the same upstream renders to the same tree, modes included.
    entry = parse_manifest((app / "pyproject.toml").read_text()).select("teabag")
    assert sources.recorded_upstream(entry, app).tree == entry.upstream_tree
    assert git(app, "rev-parse", f"{report.snapshot}^{{tree}}").strip() == entry.snapshot_tree
    # A sync to a later release keeps them too.
    if kind == "git":
        (upstream / "kettle" / "run.py").write_text("#!/usr/bin/env python\nimport kettle  # 1.2\n")
        git_commit_all(upstream, "1.2")
        git(upstream, "tag", "v1.2")
        result = CliRunner().invoke(main, ["sync", "--ref", "v1.2"])
        assert result.exit_code == 0, result.output
        assert os.access(app / "teabag" / "run.py", os.X_OK)
        assert "teabag  # 1.2" in (app / "teabag" / "run.py").read_text()
        assert (app / "teabag" / "alias.py").is_symlink()


def test_path_with_another_name_is_allowed_with_force(
    app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    result = invoke(["fork", "vial", "acme_web", "--path", "src/other", "--force"])
    assert result.exit_code == 0, result.output
    assert (app_repo / "src" / "other" / "__init__.py").is_file()


def test_dry_run_of_a_dirty_work_tree_notes_it(
    app_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(app_repo)
    tracked = git(app_repo, "ls-files").split()[0]
    (app_repo / tracked).write_text("changed\n")
    before = snapshot_state(app_repo)
    result = invoke(["fork", "vial", "acme_web", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"Note: the real fork needs a clean work tree (uncommitted: {tracked})." in result.output
    assert snapshot_state(app_repo) == before
