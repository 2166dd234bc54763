"""A fork's new name also provided by an installed distribution: graft fork, status and check warn.

The installed copies are real: a dist-info with its RECORD beside the package, on
``sys.path`` (what pip leaves), and for ``graft check --python`` a real virtualenv.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import build_file_tree, git, git_commit_all, invoke

from graft.clashes import find_clashes


def install_fake(site: Path, dist: str = "acme-web", name: str = "acme_web") -> Path:
    """What ``pip install --target site`` leaves for a one-package distribution."""
    info = f"{dist.replace('-', '_')}-9.9.dist-info"
    build_file_tree(
        site,
        {
            f"{name}/__init__.py": "SOMEONE_ELSE = True\n",
            f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 9.9\n",
            f"{info}/top_level.txt": f"{name}\n",
            f"{info}/RECORD": f"{name}/__init__.py,,\n{info}/METADATA,,\n{info}/RECORD,,\n",
        },
    )
    return site / name


def test_installed_copy_elsewhere_is_a_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = install_fake(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    fork = tmp_path / "app" / "acme_web"
    fork.mkdir(parents=True)
    [clash] = find_clashes([("acme_web", fork)], shown_from=tmp_path / "app")
    assert (clash.dist, clash.version, clash.location) == ("acme-web", "9.9", str(installed))
    assert clash.fork == "acme_web/"
    message = clash.message
    assert "\n" not in message
    assert "the fork in acme_web/ wins only where the app's root comes first on sys.path" in message
    assert "`pip uninstall acme-web`" in message
    # Other names, and a name nothing else provides, are not clashes.
    assert find_clashes([("acme_other", fork)]) == []


def test_the_fork_itself_installed_is_no_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app installed into its own root (its RECORD lists the fork's files) is the same copy."""
    app = tmp_path / "app"
    fork = install_fake(app, dist="myapp")
    monkeypatch.syspath_prepend(str(app))
    assert find_clashes([("acme_web", fork)]) == []


def _venv_python(where: Path) -> Path:
    venv.EnvBuilder(with_pip=False).create(where)
    return where / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def test_another_interpreter_is_asked(tmp_path: Path) -> None:
    """``graft check --python``: the app's environment, not graft's, answers."""
    python = _venv_python(tmp_path / "venv")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    installed = install_fake(Path(site))
    fork = tmp_path / "app" / "acme_web"
    fork.mkdir(parents=True)
    assert find_clashes([("acme_web", fork)]) == []  # graft's environment has none
    [clash] = find_clashes([("acme_web", fork)], python=str(python))
    assert clash.location == str(installed.resolve())


@pytest.fixture
def app_with_clash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    install_fake(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    app = tmp_path / "app"
    build_file_tree(app, {"pyproject.toml": '[project]\nname = "shop"\nversion = "1"\n'})
    git(app, "init", "-q")
    git_commit_all(app, "the app")
    monkeypatch.chdir(app)
    return app


def test_fork_status_and_check_warn(app_with_clash: Path) -> None:
    # The name is taken: refused without --force, as before.
    refused = invoke(["fork", "vial", "acme_web"])
    assert refused.exit_code == 1 and "would shadow the installed module" in refused.output
    quiet = invoke(["-q", "fork", "vial", "acme_web", "--force", "--dry-run"])
    assert quiet.exit_code == 0, quiet.output
    assert "warning: acme_web: the installed distribution" in quiet.output
    forked = invoke(["fork", "vial", "acme_web", "--force"])
    assert forked.exit_code == 0, forked.output
    [line] = [ln for ln in forked.output.splitlines() if "acme-web 9.9" in ln]
    assert "the fork in acme_web/ wins only where" in line

    status = invoke(["status", "--offline"])
    assert status.exit_code == 0, status.output
    assert "  note: acme_web: the installed distribution acme-web 9.9" in status.output
    status_json = json.loads(invoke(["status", "--offline", "--format", "json"]).output)
    assert any("acme-web 9.9" in note for note in status_json["forks"][0]["notes"])

    check = invoke(["check", "--skip", "behind", "--skip", "imports"])
    assert check.exit_code == 0, check.output
    assert "note: acme_web: the installed distribution acme-web 9.9" in check.output


def test_no_warning_without_a_clash(app_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app_repo)
    forked = invoke(["fork", "vial", "acme_web"])
    assert forked.exit_code == 0 and "installed distribution" not in forked.output
    assert "installed distribution" not in invoke(["status", "--offline"]).output


def test_the_apps_own_release_installed_is_no_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pip install .`` of the app itself copies its fork into site-packages: its own release."""
    install_fake(tmp_path / "site", dist="shop")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    app = tmp_path / "app"
    build_file_tree(app, {"pyproject.toml": '[project]\nname = "Shop"\nversion = "1"\n'})
    git(app, "init", "-q")
    git_commit_all(app, "the app")
    monkeypatch.chdir(app)
    forked = invoke(["fork", "vial", "acme_web", "--force"])
    assert forked.exit_code == 0 and "installed distribution" not in forked.output
    assert "installed distribution" not in invoke(["status", "--offline"]).output


def _dist_info(site: Path, dist: str, top: str, record: str) -> None:
    info = f"{dist}-1.0.dist-info"
    build_file_tree(
        site,
        {
            f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n",
            f"{info}/top_level.txt": f"{top}\n",
            f"{info}/RECORD": record + f"{info}/METADATA,,\n{info}/RECORD,,\n",
        },
    )


def test_providers_say_where_each_distribution_put_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed files first; for an editable install (no such file), where imports find it."""
    from graft import _installed

    site, src = tmp_path / "site", tmp_path / "src"
    install_fake(site, "acme-web", "acme_pkg")
    _dist_info(site, "acme_mod", "acme_mod", "acme_mod.py,,\n")
    build_file_tree(site, {"acme_mod.py": "X = 1\n"})
    # Editable installs: the RECORD lists a .pth, the code lives in the project's folder.
    _dist_info(site, "acme_edit", "acme_edit", "__editable__.acme_edit.pth,,\n")
    _dist_info(site, "acme_one", "acme_one", "__editable__.acme_one.pth,,\n")
    build_file_tree(src, {"acme_edit/__init__.py": "", "acme_one.py": ""})
    # Declares a name nothing on sys.path provides.
    _dist_info(site, "acme_gone", "acme_gone", "")
    # A dotted top-level line whose parent cannot be imported: no location, no error.
    _dist_info(site, "acme_bad", "acme_bad.sub", "")
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.syspath_prepend(str(site))

    names = [
        "acme_pkg",
        "acme_mod",
        "acme_edit",
        "acme_one",
        "acme_gone",
        "acme_bad.sub",
        "acme_nobody",
    ]
    found = _installed.providers(names)
    where = {name: [(row["dist"], row["location"]) for row in rows] for name, rows in found.items()}
    assert where == {
        "acme_pkg": [("acme-web", str((site / "acme_pkg").resolve()))],
        "acme_mod": [("acme_mod", str((site / "acme_mod.py").resolve()))],
        "acme_edit": [("acme_edit", str((src / "acme_edit").resolve()))],
        "acme_one": [("acme_one", str((src / "acme_one.py").resolve()))],
        "acme_gone": [("acme_gone", None)],
        "acme_bad.sub": [("acme_bad", None)],
        "acme_nobody": [],
    }
    assert found["acme_mod"][0]["version"] == "1.0"


def test_clash_details_and_what_is_not_a_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = install_fake(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    fork = tmp_path / "elsewhere" / "acme_web"
    fork.mkdir(parents=True)
    assert find_clashes([]) == []
    # Shown from a folder the fork is not under: the absolute path.
    [clash] = find_clashes([("acme_web", fork)], shown_from=tmp_path / "app")
    assert clash.fork == f"{fork}/"
    assert clash.to_dict() == {
        "name": "acme_web",
        "fork": f"{fork}/",
        "dist": "acme-web",
        "version": "9.9",
        "location": str(installed.resolve()),
        "message": clash.message,
    }
    # The app's own distribution (any spelling of its name) is no clash.
    assert find_clashes([("acme_web", fork)], own="Acme.Web") == []
    # An interpreter that cannot be run answers nothing (graft check's imports check says why).
    assert find_clashes([("acme_web", fork)], python=str(tmp_path / "no-python")) == []


@pytest.mark.parametrize(
    ("pyproject", "name"),
    [
        ('[project]\nname = "my-app"\n', "my-app"),
        ("[tool.x]\ny = 1\n", None),
        ("[project\n", None),
        (b"\xff\xfe", None),
        (None, None),
    ],
)
def test_app_distribution(tmp_path: Path, pyproject: str | bytes | None, name: str | None) -> None:
    from graft.clashes import app_distribution

    if pyproject is not None:
        build_file_tree(tmp_path, {"pyproject.toml": pyproject})
    assert app_distribution(tmp_path) == name


def test_repository_root_is_found_without_git(tmp_path: Path) -> None:
    from graft.clashes import repository_root

    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pkg").mkdir(parents=True)
    assert repository_root(tmp_path / "repo" / "src" / "pkg") == (tmp_path / "repo").resolve()
    # pytest's temp dirs lie in no work tree.
    assert repository_root(tmp_path) is None
