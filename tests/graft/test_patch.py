"""graft patch on the sample extensions: real repositories, the real rewrite engine, no PyPI.

The story of most tests: an app (``fixtures/apps/acme``, committed) patches the sample
extension ``fixtures/extensions/flask-greeting`` (a Flask extension with a template, an
entry point and a ``importlib.metadata`` look-up of Flask), then we look at the files,
the manifest, git, and the report.
"""

from __future__ import annotations

import json
import shutil
import typing as t
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, build_file_tree, git, git_commit_all, snapshot_state

from graft.cli import main
from graft.manifest import parse_manifest
from graft.rewrite.distribution import REGISTRATION

GREETING = FIXTURES / "extensions" / "flask-greeting"
SINGLE = FIXTURES / "extensions" / "flask-single"


def invoke(*args: str) -> t.Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def app(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(app_repo)
    return app_repo


def test_patch_directory_to_vial(app: Path) -> None:
    head = git(app, "rev-parse", "HEAD").strip()
    result = invoke("patch", str(GREETING), "--profile", "flask-vial")
    assert result.exit_code == 0, result.output
    code = (app / "flask_greeting" / "__init__.py").read_text()
    assert "from vial import Blueprint, Vial, current_app, render_template" in code
    assert "import vial\n" in code
    assert "def init_app(self, app: vial.Vial)" in code
    assert "import flask_sqlalchemy" in code  # another extension: not mapped, not touched
    # A lookup of Flask's distribution asks vial, which answers as the Flask API level.
    assert 'importlib.metadata.version("vial")' in code
    assert "from vial.cli import with_appcontext" in (app / "flask_greeting" / "cli.py").read_text()
    assert (app / "flask_greeting" / "templates" / "greeting.html").read_text() == (
        GREETING / "src" / "flask_greeting" / "templates" / "greeting.html"
    ).read_text()
    # One commit by the user on top of the app, merging graft's pristine snapshot.
    assert git(app, "rev-parse", "HEAD^1").strip() == head
    assert "graft patch: flask_greeting 1.2.0" in git(app, "log", "-1", "--format=%s")
    assert git(app, "status", "--porcelain") == ""
    entry = parse_manifest((app / "pyproject.toml").read_text()).get("flask_greeting")
    assert entry is not None
    assert (entry.kind, entry.package, entry.path, entry.revision) == (
        "patch",
        "flask_greeting",
        "flask_greeting",
        "1.2.0",
    )
    assert "flask=vial" in entry.maps and "flask.Flask=vial.Vial" in entry.maps
    assert "line-length = 99  # keep this comment" in (app / "pyproject.toml").read_text()


def test_report_lists_what_needs_a_human(app: Path) -> None:
    result = invoke("patch", str(GREETING), "--profile", "flask-vial", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    human = {(f["kind"], f["path"].rsplit("/", 1)[-1]) for f in report["human"]}
    # importlib.metadata.version("flask") now asks vial, which answers as the Flask API level.
    assert ("distribution", "__init__.py") not in human
    code = (app / "flask_greeting" / "__init__.py").read_text()
    assert 'importlib.metadata.version("vial")' in code
    assert ("file", "greeting.html") in human  # a template says "flask"
    assert ("metadata", "flask-greeting metadata") in human  # Requires-Dist: Flask>=2.2
    assert ("entry-point", "flask-greeting entry_points.txt") not in human  # a directory has none
    assert report["kind"] == "patch" and report["target"] == "vial"
    assert report["dist"] == "flask-greeting" and report["version"] == "1.2.0"


def test_text_report_says_how_it_is_imported(app: Path) -> None:
    result = invoke("patch", str(GREETING), "--profile", "flask-vial")
    assert "Patched flask_greeting 1.2.0 into flask_greeting/" in result.output
    assert "the app imports it as `import flask_greeting` from flask_greeting/" in result.output
    assert "need a human:" in result.output
    assert "Requires-Dist: Flask>=2.2" in result.output
    assert result.output.count("greeting.html:1: file:") == 1


def test_maps_come_from_the_fork_in_the_manifest(app: Path) -> None:
    """After `graft fork vial acme_web`, no maps are needed: flask-vial composed with the fork."""
    assert invoke("fork", "vial", "acme_web").exit_code == 0
    result = invoke("patch", str(GREETING))
    assert result.exit_code == 0, result.output
    code = (app / "flask_greeting" / "__init__.py").read_text()
    assert "from acme_web import Blueprint, Vial, current_app, render_template" in code
    assert "vial" not in code.replace("Vial", "")
    entry = parse_manifest((app / "pyproject.toml").read_text()).get("flask_greeting")
    assert entry is not None and "flask=acme_web" in entry.maps
    assert "flask.testing.FlaskClient=acme_web.testing.VialClient" in entry.maps


def test_without_a_fork_the_target_is_vial(app: Path) -> None:
    result = invoke("patch", str(GREETING))
    assert result.exit_code == 0, result.output
    assert "flask_greeting now imports vial" in result.output
    assert (
        "from vial import Blueprint, Vial" in (app / "flask_greeting" / "__init__.py").read_text()
    )


def test_explicit_map_to_a_flask_fork(app: Path) -> None:
    result = invoke("patch", str(GREETING), "--map", "flask=myflask")
    assert result.exit_code == 0, result.output
    code = (app / "flask_greeting" / "__init__.py").read_text()
    assert "from myflask import Blueprint, Flask, current_app, render_template" in code


def test_into_directory(app: Path) -> None:
    (app / "vendor").mkdir()
    result = invoke("patch", str(GREETING), "--profile", "flask-vial", "--into", "vendor")
    assert result.exit_code == 0, result.output
    assert (app / "vendor" / "flask_greeting" / "__init__.py").is_file()
    entry = parse_manifest((app / "pyproject.toml").read_text()).get("flask_greeting")
    assert entry is not None and entry.path == "vendor/flask_greeting"


def test_single_module_extension_becomes_a_package(app: Path) -> None:
    result = invoke("patch", str(SINGLE), "--profile", "flask-vial")
    assert result.exit_code == 0, result.output
    code = (app / "flask_single" / "__init__.py").read_text()
    assert "from vial import Vial, g, request" in code
    assert f"{REGISTRATION}\n" in code  # the patched copy answers distribution lookups itself
    code = code.replace(f"{REGISTRATION}\n", "")
    assert code.replace("from vial import Vial, g, request", "") == (
        SINGLE / "flask_single.py"
    ).read_text().replace("from flask import Flask, g, request", "").replace(
        "app: Flask", "app: Vial"
    )


def test_git_source_at_a_ref(app: Path, tmp_path: Path) -> None:
    upstream = tmp_path / "greeting-repo"
    shutil.copytree(GREETING, upstream)
    git(upstream, "init", "-q")
    git_commit_all(upstream, "v1")
    git(upstream, "tag", "v1.2.0")
    (upstream / "src" / "flask_greeting" / "__init__.py").write_text("import flask\n")
    git_commit_all(upstream, "later")
    result = invoke("patch", str(upstream), "--ref", "v1.2.0", "--profile", "flask-vial")
    assert result.exit_code == 0, result.output
    assert "def greet(name: str)" in (app / "flask_greeting" / "__init__.py").read_text()
    entry = parse_manifest((app / "pyproject.toml").read_text()).get("flask_greeting")
    assert entry is not None and entry.source_kind == "git" and entry.ref == "v1.2.0"


def test_dry_run_changes_nothing(app: Path) -> None:
    before = snapshot_state(app)
    result = invoke("patch", str(GREETING), "--profile", "flask-vial", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would patch flask_greeting 1.2.0 into flask_greeting/" in result.output
    assert "+ __init__.py" in result.output
    assert snapshot_state(app) == before


def test_wheel_requires_vial_web_instead_of_flask(app: Path, tmp_path: Path) -> None:
    out = tmp_path / "wheels"
    result = invoke("patch", str(GREETING), "--profile", "flask-vial", "--wheel", str(out))
    assert result.exit_code == 0, result.output
    (wheel,) = out.glob("*.whl")
    assert wheel.name == "flask_greeting-1.2.0+vial-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("flask_greeting-1.2.0+vial.dist-info/METADATA").decode()
        code = archive.read("flask_greeting/__init__.py").decode()
    # Flask>=2.2 admits Flask 3.1.3, the API vial-web 0.1.0 follows: vial-web>=0.1.0.
    assert "Requires-Dist: vial-web>=0.1.0\n" in metadata
    assert "Requires-Dist: Flask" not in metadata
    assert "Requires-Dist: itsdangerous\n" in metadata
    assert "from vial import" in code
    assert "Requires-Dist: Flask>=2.2 -> vial-web>=0.1.0" in result.output


def test_wheel_for_a_fork_requires_nothing_in_flasks_place(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fork ships inside the app that installs the wheel: requiring the app is circular.

    Even when the app is installed as a distribution that provides the fork's package
    (here a dist-info on sys.path says acme 0.1.0 provides acme_web), the wheel requires
    neither it nor Flask.
    """
    assert invoke("fork", "vial", "acme_web").exit_code == 0
    site = tmp_path / "site"
    info = site / "acme-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme\nVersion: 0.1.0\n")
    (info / "RECORD").write_text("acme_web/__init__.py,,\n")
    (info / "top_level.txt").write_text("acme_web\n")
    monkeypatch.syspath_prepend(str(site))
    out = tmp_path / "wheels"
    result = invoke("patch", str(GREETING), "--wheel", str(out))
    assert result.exit_code == 0, result.output
    (wheel,) = out.glob("*.whl")
    assert wheel.name == "flask_greeting-1.2.0+acme.web-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("flask_greeting-1.2.0+acme.web.dist-info/METADATA").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires == ["Requires-Dist: itsdangerous"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-extension-xyz", "--profile", "flask-vial"], "no-such-extension-xyz"),
        ([str(GREETING), "--profile", "flask-nope"], "Unknown profile 'flask-nope'"),
        ([str(GREETING), "--map", "flask"], "expected OLD=NEW"),
        (["vial", "--profile", "flask-vial"], "is a framework, not an extension"),
        ([str(GREETING), "--target", "nope", "--profile", "flask-vial"], "No fork named 'nope'"),
    ],
)
def test_refusals_touch_nothing(app: Path, args: list[str], message: str) -> None:
    before = snapshot_state(app)
    result = CliRunner().invoke(main, ["patch", *args])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert result.output.count("\n") == 1
    assert snapshot_state(app) == before


def test_refuses_a_dirty_tree(app: Path) -> None:
    (app / "app.py").write_text((app / "app.py").read_text() + "\n# edited\n")
    before = snapshot_state(app)
    result = CliRunner().invoke(main, ["patch", str(GREETING), "--profile", "flask-vial"])
    assert result.exit_code == 1
    assert "uncommitted changes (app.py)" in result.output
    assert snapshot_state(app) == before


def test_refuses_to_patch_twice(app: Path) -> None:
    assert invoke("patch", str(GREETING), "--profile", "flask-vial").exit_code == 0
    before = snapshot_state(app)
    result = CliRunner().invoke(main, ["patch", str(GREETING), "--profile", "flask-vial"])
    assert result.exit_code == 1
    assert "already" in result.output
    assert snapshot_state(app) == before


def test_install_needs_wheel(app: Path) -> None:
    result = CliRunner().invoke(main, ["patch", str(GREETING), "--install"])
    assert result.exit_code == 2
    assert "--install needs --wheel" in result.output


def _manifest(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    """A pyproject.toml recording forks (name, upstream package), as graft fork writes them."""
    from graft.manifest import Entry, set_entry

    text = '[project]\nname = "app"\n'
    for name, package in entries:
        text = set_entry(
            text,
            Entry(
                name=name,
                kind="fork",
                source=package,
                source_kind="distribution",
                package=package,
                path=name,
                maps=(f"{package}={name}",),
                revision="1",
                upstream_tree="a" * 40,
                fingerprint="f",
                snapshot="b" * 40,
                snapshot_tree="c" * 40,
                graft_version="0",
            ),
        )
    (tmp_path / "pyproject.toml").write_text(text)
    return tmp_path


def test_target_of_a_flask_fork_is_a_plain_rename(tmp_path: Path) -> None:
    from graft.patch import resolve_target

    target = resolve_target(_manifest(tmp_path, ("myflask", "flask")))
    assert (target.name, target.fork) == ("myflask", "myflask")
    assert target.renames.mapping == {"flask": "myflask"}


def test_target_of_a_vial_fork_composes_the_profile(tmp_path: Path) -> None:
    from graft.patch import resolve_target

    root = _manifest(tmp_path, ("acme_web", "vial"))
    for target in (resolve_target(root), resolve_target(root, profile="flask-vial")):
        assert target.name == "acme_web"
        assert target.renames.mapping["flask"] == "acme_web"
        assert target.renames.mapping["flask.Flask"] == "acme_web.Vial"
        assert target.renames.mapping["flask.testing.FlaskClient"] == "acme_web.testing.VialClient"
        assert not any(new.startswith("vial") for new in target.renames.mapping.values())


def test_target_with_several_forks_needs_a_choice(tmp_path: Path) -> None:
    from graft.errors import UserError
    from graft.patch import resolve_target

    root = _manifest(tmp_path, ("acme_web", "vial"), ("myflask", "flask"))
    with pytest.raises(UserError, match="Several forks are recorded"):
        resolve_target(root)
    assert resolve_target(root, fork="myflask").renames.mapping == {"flask": "myflask"}


def test_explicit_maps_win_over_the_manifest(tmp_path: Path) -> None:
    from graft.patch import resolve_target

    target = resolve_target(_manifest(tmp_path, ("acme_web", "vial")), maps=["flask=other"])
    assert (target.name, target.renames.mapping) == ("other", {"flask": "other"})


def test_version_reads() -> None:
    from graft.patch import find_version_reads

    code = (
        "import importlib.metadata as m\nfrom importlib.metadata import version\n"
        "a = m.version('Flask')\nb = version('flask-cors')\nc = version('werkzeug')\n"
        "import pkg_resources\nd = pkg_resources.get_distribution('flask>=2').version\n"
        "e = flask.__version__\nf = flask_cors.__version__\n"
    )
    assert [f.line for f in find_version_reads(code, "x.py", ["flask"])] == [8]


@pytest.fixture
def installed_greeting(tmp_path: Path) -> Path:
    """The unpatched sample extension pip-installed into a site directory (a --search-path)."""
    import email.parser

    from graft.wheel import build_wheel, install_wheel

    metadata = email.parser.Parser().parsestr((GREETING / "PKG-INFO").read_text())
    wheel = build_wheel(
        GREETING / "src",
        ["flask_greeting"],
        tmp_path / "dist",
        name="flask-greeting",
        version="1.2.0",
        requires=["Flask>=2.2", "itsdangerous"],
        metadata=metadata,
        entry_points="[flask.commands]\ngreet = flask_greeting.cli:greet\n",
    )
    site = tmp_path / "site"
    install_wheel(wheel, target=site)
    return site


@pytest.mark.parametrize("spec", ["flask-greeting", "flask_greeting", "Flask_Greeting"])
def test_patch_installed_distribution(app: Path, installed_greeting: Path, spec: str) -> None:
    result = invoke("patch", spec, "--search-path", str(installed_greeting), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["source_kind"], report["dist"], report["version"]) == (
        "distribution",
        "flask-greeting",
        "1.2.0",
    )
    kinds = {f["kind"] for f in report["human"]}
    assert {"file", "metadata", "entry-point"} <= kinds
    assert "distribution" not in kinds  # version("flask") is answered by vial now
    assert "from vial import" in (app / "flask_greeting" / "__init__.py").read_text()


def test_wheel_moves_entry_points_to_the_target_group(
    app: Path, installed_greeting: Path, tmp_path: Path
) -> None:
    out = tmp_path / "wheels"
    result = invoke(
        "patch", "flask-greeting", "--search-path", str(installed_greeting), "--wheel", str(out)
    )
    assert result.exit_code == 0, result.output
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read("flask_greeting-1.2.0+vial.dist-info/entry_points.txt").decode()
    assert entry_points == "[vial.commands]\ngreet = flask_greeting.cli:greet\n"
    assert "registers it in [vial.commands] instead" in result.output


def test_wheel_for_a_fork_of_flask_keeps_the_group_the_fork_reads(
    app: Path, installed_greeting: Path, tmp_path: Path
) -> None:
    """A fork of Flask keeps reading ``flask.commands`` (its rewrite reports that string), so
    the patched extension's entry points stay there, where the fork finds them; the
    requirement on Flask is dropped, since the app ships the fork."""
    assert invoke("fork", "flask", "myflask").exit_code == 0
    assert 'group="flask.commands"' in (app / "myflask" / "cli.py").read_text()
    out = tmp_path / "wheels"
    result = invoke(
        "patch", "flask-greeting", "--search-path", str(installed_greeting), "--wheel", str(out),
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert not [f for f in report["human"] if f["kind"] == "entry-point"]
    [requires] = [f["message"] for f in report["human"] if f["kind"] == "metadata"]
    assert "a --wheel drops it" in requires
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = "flask_greeting-1.2.0+myflask.dist-info"
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        metadata = archive.read(f"{info}/METADATA").decode()
    assert entry_points == "[flask.commands]\ngreet = flask_greeting.cli:greet\n"
    assert "Requires-Dist: Flask" not in metadata


def test_group_the_target_does_not_read_is_reported(
    app: Path, installed_greeting: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--map to a package whose code reads no such group: kept, and said what will fail."""
    target = tmp_path / "lib" / "quart_like"
    build_file_tree(target, {"__init__.py": "def read():\n    return 1\n"})
    monkeypatch.syspath_prepend(str(target.parent))
    result = invoke(
        "patch", "flask-greeting", "--search-path", str(installed_greeting),
        "--map", "flask=quart_like", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    human = json.loads(result.output)["human"]
    [group] = [f["message"] for f in human if f["kind"] == "entry-point"]
    assert "quart_like reads no entry-point group named after it" in group
    assert "'flask.commands'" in group
    [requires] = [f["message"] for f in human if f["kind"] == "metadata"]
    assert "a --wheel keeps it" in requires and "quart_like is not a distribution" in requires


def test_unusable_wheel_dir_is_refused_before_committing(app: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    before = snapshot_state(app)
    result = CliRunner().invoke(main, ["patch", str(GREETING), "--wheel", str(blocker / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot write wheels to")
    assert snapshot_state(app) == before


def test_flask_version_reads_become_the_api_level(app: Path, tmp_path: Path) -> None:
    """``flask.__version__`` means the Flask API level: vial's is ``__flask_version__``."""
    ext = tmp_path / "flask-versioned"
    (ext / "flask_versioned").mkdir(parents=True)
    (ext / "flask_versioned" / "__init__.py").write_text(
        "from __future__ import annotations\n\nimport flask\n\n"
        "NEW_FLASK = flask.__version__.split('.')[0] >= '2'\n"
    )
    result = invoke("patch", str(ext), "--format", "json")
    assert result.exit_code == 0, result.output
    code = (app / "flask_versioned" / "__init__.py").read_text()
    assert "NEW_FLASK = vial.__flask_version__.split('.')[0] >= '2'" in code
    assert not [f for f in json.loads(result.output)["human"] if f["kind"] == "version"]


def test_an_installed_original_is_reported(
    app: Path, installed_greeting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The original in the running environment would shadow the patched copy: say so."""
    monkeypatch.syspath_prepend(str(installed_greeting))
    result = invoke("patch", "flask-greeting", "--format", "json")
    assert result.exit_code == 0, result.output
    (finding,) = [f for f in json.loads(result.output)["human"] if f["kind"] == "environment"]
    assert finding["path"] == "flask-greeting 1.2.0"
    assert str(installed_greeting.resolve()) in finding["message"]
