"""graft patch takes the requirement closure: installed dependencies that import Flask come along.

Small distributions built as real wheels and installed into a site directory (the
``--search-path``), so the walk reads real ``METADATA`` and ``RECORD`` files; the real
PyPI case (flask-smorest and webargs) is in ``tests/extensions/test_ext_closure.py``.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, snapshot_state

from graft.cli import main
from graft.closure import find_dependents
from graft.manifest import parse_manifest
from graft.wheel import build_wheel, install_wheel


def invoke(*args: str) -> t.Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _install(site: Path, work: Path, name: str, files: dict[str, str], requires: list[str]) -> None:
    """Build ``name`` 1.0 from ``files`` (paths relative to the project) and install it."""
    project = work / name
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    packages = sorted({rel.split("/")[0].removesuffix(".py") for rel in files})
    wheel = build_wheel(
        project, packages, work / "dist", name=name, version="1.0", requires=requires
    )
    install_wheel(wheel, target=site)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An extension whose closure holds every case the walk must tell apart (built once)."""
    tmp_path = tmp_path_factory.mktemp("closure")
    site, work = tmp_path / "site", tmp_path / "build"
    _install(
        site,
        work,
        "flask-report",
        {"flask_report/__init__.py": "from flask import Blueprint\nimport parse_helpers\n"},
        [
            "Flask>=3",
            "parse-helpers>=1",  # imports flask inside try: counts
            "plain-lib",  # never mentions flask: not patched, but followed
            "not-installed-lib",  # missing: nothing to patch
            "extra-lib; extra == 'docs'",  # an extra nobody asked for
            "old-python-lib; python_version < '3'",  # a marker that does not hold
        ],
    )
    _install(
        site,
        work,
        "parse-helpers",
        {
            "parse_helpers/__init__.py": "VALUE = 1\n",
            "parse_helpers/flaskparser.py": (
                "try:\n    import flask\nexcept ImportError:  # optional\n    flask = None\n"
            ),
        },
        [],
    )
    _install(
        site,
        work,
        "plain-lib",
        {"plain_lib/__init__.py": "import json\n"},
        ["deep-lib[web]"],  # the extra asked for here makes deep-lib's marker hold
    )
    _install(
        site,
        work,
        "deep-lib",
        {"deep_lib/__init__.py": "X = 1\n"},
        ["deep-web; extra == 'web'"],
    )
    _install(site, work, "deep-web", {"deep_web.py": "from flask.json import dumps\n"}, [])
    _install(site, work, "extra-lib", {"extra_lib/__init__.py": "import flask\n"}, [])
    _install(site, work, "old-python-lib", {"old_python_lib/__init__.py": "import flask\n"}, [])
    return site


def test_find_dependents_walks_the_closure(site: Path) -> None:
    found = find_dependents(
        ["Flask>=3", "parse-helpers>=1", "plain-lib", "not-installed-lib", "extra-lib; extra=='x'"],
        "flask-report",
        ["flask"],
        [str(site)],
    )
    assert [(d.dist, d.package, d.required_by, d.where) for d in found] == [
        ("parse-helpers", "parse_helpers", "flask-report", "parse_helpers/flaskparser.py:2"),
        ("deep-web", "deep_web", "deep-lib", "deep_web.py:1"),
    ]
    assert "imports the framework at parse_helpers/flaskparser.py:2" in found[0].describe()


@pytest.fixture
def app(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(app_repo)
    return app_repo


def test_patch_takes_the_dependencies_along(app: Path, site: Path) -> None:
    head = git(app, "rev-parse", "HEAD").strip()
    result = invoke("patch", "flask-report", "--search-path", str(site), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [r["dist"] for r in report["along"]] == ["parse-helpers", "deep-web"]
    assert report["along"][0]["reason"]["required_by"] == "flask-report"
    assert "import vial" in (app / "parse_helpers" / "flaskparser.py").read_text()
    assert "from vial.json import dumps" in (app / "deep_web" / "__init__.py").read_text()
    assert not (app / "plain_lib").exists() and not (app / "extra_lib").exists()
    # One commit per distribution, each recorded like any patch (so graft sync merges it).
    subjects = git(app, "log", "--format=%s", f"{head}..HEAD", "--first-parent").splitlines()
    assert subjects == [
        "graft patch: deep_web 1.0 as deep_web in deep_web/",
        "graft patch: parse_helpers 1.0 as parse_helpers in parse_helpers/",
        "graft patch: flask_report 1.0 as flask_report in flask_report/",
    ]
    entries = parse_manifest((app / "pyproject.toml").read_text()).entries
    kinds = {e.name: (e.kind, e.source, e.revision) for e in entries if e.kind == "patch"}
    assert kinds == {
        "flask_report": ("patch", "flask-report", "1.0"),
        "parse_helpers": ("patch", "parse-helpers", "1.0"),
        "deep_web": ("patch", "deep-web", "1.0"),
    }


def test_dry_run_lists_them_and_changes_nothing(app: Path, site: Path) -> None:
    before = snapshot_state(app)
    result = invoke("patch", "flask-report", "--search-path", str(site), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would also patch 2 dependencies that import the framework:" in result.output
    assert (
        "- parse-helpers 1.0 (parse_helpers/, required by flask-report) imports the framework"
        " at parse_helpers/flaskparser.py:2" in result.output
    )
    assert "Would patch parse_helpers 1.0 into parse_helpers/" in result.output
    assert snapshot_state(app) == before


def test_no_deps_patches_only_the_extension_and_names_the_rest(app: Path, site: Path) -> None:
    result = invoke("patch", "flask-report", "--search-path", str(site), "--no-deps")
    assert result.exit_code == 0, result.output
    assert "Not patched (--no-deps), 2 dependencies will fail to import the framework:" in (
        result.output
    )
    assert (app / "flask_report").is_dir() and not (app / "parse_helpers").exists()


def test_already_recorded_dependencies_are_kept(app: Path, site: Path) -> None:
    assert invoke("patch", "parse-helpers", "--search-path", str(site)).exit_code == 0
    head = git(app, "rev-parse", "HEAD").strip()
    result = invoke("patch", "flask-report", "--search-path", str(site), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["dist"] for r in json.loads(result.output)["along"]] == ["deep-web"]
    assert len(git(app, "log", "--format=%h", "--first-parent", f"{head}..HEAD").split()) == 2


def test_all_or_nothing(app: Path, site: Path) -> None:
    """The second distribution cannot be vendored (its folder exists): the first is undone."""
    (app / "deep_web").mkdir()
    (app / "deep_web" / "notes.txt").write_text("the app's own folder\n")
    git(app, "add", "deep_web")
    git(app, "commit", "-q", "-m", "app: a folder of its own")
    before = snapshot_state(app)
    result = CliRunner().invoke(main, ["patch", "flask-report", "--search-path", str(site)])
    assert result.exit_code == 1
    assert "deep_web already exists" in result.output
    assert snapshot_state(app) == before
    assert not (app / "flask_report").exists() and not (app / "parse_helpers").exists()
    assert "flask_report" not in (app / "pyproject.toml").read_text()


def test_an_interrupt_after_the_first_commit_undoes_it(app: Path, site: Path) -> None:
    """Ctrl-C once the extension is committed and the second one is in place: all undone (130)."""
    from graft import snapshot

    reached: list[str] = []

    def hook(step: str) -> None:
        reached.append(step)
        if reached.count("checkout") == 2:
            raise KeyboardInterrupt

    before = snapshot_state(app)
    snapshot.set_checkpoint_hook(hook)
    try:
        result = CliRunner().invoke(main, ["patch", "flask-report", "--search-path", str(site)])
    finally:
        snapshot.set_checkpoint_hook(None)
    assert result.exit_code == 130, result.output
    assert snapshot_state(app) == before


def _stale_copy(site: Path, name: str, top: str, version: str) -> None:
    """A second ``*.dist-info`` of ``name`` beside the first, as ``pip install --target`` leaves it."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "top_level.txt").write_text(f"{top}\n")
    (info / "RECORD").write_text(f"{top}.py,,\n")


def test_two_installations_in_one_folder_are_said(app: Path, tmp_path: Path) -> None:
    """Two dist-info of one distribution in one folder: graft names both instead of taking one."""
    site, work = tmp_path / "site", tmp_path / "build"
    _install(site, work, "flask-solo", {"flask_solo.py": "import flask\n"}, ["Flask"])
    _stale_copy(site, "flask-solo", "flask_solo", "0.9")
    before = snapshot_state(app)
    result = invoke("patch", "flask-solo", "--search-path", str(site))
    assert result.exit_code == 1
    assert "holds 2 installations of flask-solo (flask-solo 0.9, flask-solo 1.0)" in result.output
    assert snapshot_state(app) == before
    # The same in the requirement closure: a dependency installed twice is not guessed at.
    _install(site, work, "flask-top", {"flask_top/__init__.py": "import flask\n"}, ["flask-solo"])
    result = invoke("patch", "flask-top", "--search-path", str(site))
    assert result.exit_code == 1
    assert "2 installations of flask-solo" in result.output
    assert snapshot_state(app) == before
