"""graft diff: the fork's changes as a patch, and renamed back so upstream can apply it.

The story: upstream kettle v1.0 is forked into the app as ``teabag``; the user changes
``brew()``, adds a helper that imports the fork by name, deletes ``teapot.py``, renames
``legacy.py`` and adds a module. ``graft diff --upstream`` must give a patch that a
checkout of kettle v1.0 takes with ``git apply`` and with ``patch -p1``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import typing as t
from pathlib import Path

import pytest
from conftest import build_file_tree, edit, git, git_commit_all, invoke, make_app, make_upstream

from graft.fork import fork


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


_TEMPLATES: dict[str, Path] = {}
KETTLE_V1 = Path(__file__).resolve().parents[2] / "fixtures" / "upstreams" / "kettle" / "v1.0"


def _template(tmp_path_factory: pytest.TempPathFactory, layout: str) -> Path:
    """kettle v1.0 forked as teabag, once per session and upstream layout (flat or src/)."""
    if layout not in _TEMPLATES:
        base = tmp_path_factory.mktemp(f"diff-{layout}")
        versions: t.Any = "kettle"
        if layout == "src":
            files = {
                p.relative_to(KETTLE_V1).as_posix(): p.read_bytes()
                for p in KETTLE_V1.rglob("*")
                if p.is_file()
            }
            versions = {
                "v1.0": {
                    ("src/" + rel if rel.startswith("kettle/") else rel): data
                    for rel, data in files.items()
                }
            }
        fork(str(make_upstream(base, versions)), "teabag", ref="v1.0", cwd=make_app(base))
        _TEMPLATES[layout] = base
    return _TEMPLATES[layout]


def copy_template(base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("upstream", "app"):
        shutil.copytree(base / name, tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "app")
    return tmp_path / "app"


@pytest.fixture
def forked(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the flat-layout template: the app and the upstream next to it."""
    return copy_template(_template(tmp_path_factory, "flat"), tmp_path, monkeypatch)


def make_changes(app: Path) -> None:
    """Edit, add, delete and rename files of the fork; commit some, leave one edit uncommitted."""
    fork_dir = app / "teabag"
    edit(fork_dir / "core.py", "return pour(cup)", "return pour(cup).upper()  # mine")
    edit(
        fork_dir / "util.py",
        "    return result\n",
        "    return result\n\n\ndef spill():\n    import teabag.core\n    return teabag.core.boil('x')\n",
    )
    (fork_dir / "teapot.py").unlink()
    (fork_dir / "helpers.py").write_text(
        '"""Mine."""\n\nfrom teabag.util import cup\n\n\ndef mug(x):\n    return cup(x)\n'
    )
    git(app, "mv", "teabag/legacy.py", "teabag/older.py")
    git_commit_all(app, "my changes")
    # Uncommitted, but tracked: part of the work tree diff, not of --committed.
    edit(fork_dir / "__init__.py", '__version__ = "1.0"', '__version__ = "1.0+mine"')


def test_patch_recreates_the_fork_from_the_snapshot(forked: Path, tmp_path: Path) -> None:
    make_changes(forked)
    result = invoke(["diff", "-o", str(tmp_path / "fork.patch")])
    assert result.exit_code == 0, result.output
    patch = (tmp_path / "fork.patch").read_text()
    assert "diff --git a/teabag/core.py b/teabag/core.py" in patch
    assert "+    return pour(cup).upper()  # mine" in patch
    # Applied to the pristine snapshot, the patch gives the work tree's fork back.
    snap = json.loads(invoke(["diff", "--format", "json"]).stdout)["base"]
    pristine = tmp_path / "pristine"
    git(tmp_path, "clone", "-q", "--no-checkout", str(forked), str(pristine))
    git(pristine, "checkout", "-q", snap, "--", "teabag")
    git(pristine, "apply", "--index", str(tmp_path / "fork.patch"))
    assert files_of(pristine / "teabag") == files_of(forked / "teabag")


def test_upstream_patch_applies_to_the_upstream_project(forked: Path, tmp_path: Path) -> None:
    make_changes(forked)
    result = invoke(["diff", "--upstream"])
    assert result.exit_code == 0, result.output
    patch = result.stdout
    assert "teabag" not in patch
    assert "diff --git a/kettle/core.py b/kettle/core.py" in patch
    assert "+    import kettle.core" in patch and "+from kettle.util import cup" in patch
    # The expected result: kettle v1.0 with the user's changes, in kettle's names.
    checkout = tmp_path / "kettle-git"
    git(tmp_path, "clone", "-q", "--branch", "v1.0", str(forked.parent / "upstream"), str(checkout))
    expected = files_of(checkout)
    expected["kettle/core.py"] = expected["kettle/core.py"].replace(
        b"return pour(cup)", b"return pour(cup).upper()  # mine"
    )
    expected["kettle/util.py"] += (
        b"\n\ndef spill():\n    import kettle.core\n    return kettle.core.boil('x')\n"
    )
    expected["kettle/__init__.py"] = expected["kettle/__init__.py"].replace(b'"1.0"', b'"1.0+mine"')
    del expected["kettle/teapot.py"]
    expected["kettle/older.py"] = expected.pop("kettle/legacy.py")
    expected["kettle/helpers.py"] = (
        b'"""Mine."""\n\nfrom kettle.util import cup\n\n\ndef mug(x):\n    return cup(x)\n'
    )
    (tmp_path / "up.patch").write_text(patch)
    git(checkout, "apply", str(tmp_path / "up.patch"))
    assert files_of(checkout) == expected
    # The same patch with plain patch(1) on an exported tree (no git involved).
    plain = tmp_path / "kettle-plain"
    git(tmp_path, "clone", "-q", "--branch", "v1.0", str(forked.parent / "upstream"), str(plain))
    shutil.rmtree(plain / ".git")
    proc = subprocess.run(
        ["patch", "-p1", "-s", "-i", str(tmp_path / "up.patch")],
        cwd=plain,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert files_of(plain) == expected


def test_upstream_patch_follows_a_src_layout(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = copy_template(_template(tmp_path_factory, "src"), tmp_path, monkeypatch)
    edit(app / "teabag" / "core.py", "import teabag.util", "import teabag.util  # mine")
    result = invoke(["diff", "--upstream", "--committed"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "No changes in teabag" in result.stderr
    result = invoke(["diff", "--upstream"])
    assert "diff --git a/src/kettle/core.py b/src/kettle/core.py" in result.stdout
    assert "+import kettle.util  # mine" in result.stdout
    (tmp_path / "up.patch").write_text(result.stdout)
    checkout = tmp_path / "kettle"
    git(tmp_path, "clone", "-q", str(tmp_path / "upstream"), str(checkout))
    git(checkout, "apply", str(tmp_path / "up.patch"))
    assert "import kettle.util  # mine" in (checkout / "src" / "kettle" / "core.py").read_text()
    # An explicit directory wins.
    result = invoke(["diff", "--upstream", "--upstream-dir", "lib/kettle", "--stat"])
    assert result.stdout.startswith(" lib/kettle/core.py | +1 -1\n")


SPOUT = b"""\"\"\"A kettle in one module.\"\"\"
import spout


def pour(cup):
    return spout.__name__ + cup
"""
SPOUT_SDIST = {
    "PKG-INFO": "Metadata-Version: 2.1\nName: spout\nVersion: 2.0\n",
    "setup.py": "from setuptools import setup\nsetup(name='spout', py_modules=['spout'])\n",
    "LICENSE": "MIT\n",
    "test/test_spout.py": "import spout\n",
}


def _apply_both_ways(project: Path, patch: str, tmp_path: Path) -> tuple[bytes, bytes]:
    """``patch`` applied with ``git apply`` and with ``patch -p1`` to copies of ``project``."""
    (tmp_path / "up.patch").write_text(patch)
    with_git, with_patch = tmp_path / "with-git", tmp_path / "with-patch"
    results = []
    for copy in (with_git, with_patch):
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git"))
    git(with_git, "init", "-q")
    git(with_git, "apply", str(tmp_path / "up.patch"))
    proc = subprocess.run(
        ["patch", "-p1", "-s", "-i", str(tmp_path / "up.patch")],
        cwd=with_patch,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for copy in (with_git, with_patch):
        assert not (copy / "spout").exists()  # no package directory appears upstream
        results.append(_module(copy))
    return results[0], results[1]


def _module(project: Path) -> bytes:
    [found] = [p for p in project.rglob("spout.py") if "test" not in p.parts]
    return found.read_bytes()


@pytest.mark.parametrize("layout", ["", "src/"])
def test_single_module_upstream_patch_applies_to_its_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    """``spout.py`` forked into ``myspout/__init__.py``: the patch goes back to ``spout.py``."""
    project = tmp_path / "spout-2.0"
    build_file_tree(project, {**SPOUT_SDIST, f"{layout}spout.py": SPOUT})
    app = make_app(tmp_path)
    monkeypatch.chdir(app)
    assert invoke(["fork", str(project), "myspout"]).exit_code == 0
    edit(app / "myspout" / "__init__.py", "return myspout", "return 'hot ' + myspout")
    git_commit_all(app, "mine")
    result = invoke(["diff", "--upstream"])
    assert result.exit_code == 0, result.output
    assert f"diff --git a/{layout}spout.py b/{layout}spout.py" in result.stdout
    expected = SPOUT.replace(b"return spout", b"return 'hot ' + spout")
    assert _apply_both_ways(project, result.stdout, tmp_path) == (expected, expected)
    stat = invoke(["diff", "--upstream", "--stat"]).stdout
    assert stat.startswith(f" {layout}spout.py | +1 -1\n")


def test_single_module_installed_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked from an installed ``spout.py``: the patch still targets ``spout.py``."""
    site = tmp_path / "site"
    info = "spout-2.0.dist-info"
    build_file_tree(
        site,
        {
            "spout.py": SPOUT,
            f"{info}/METADATA": "Metadata-Version: 2.1\nName: spout\nVersion: 2.0\n",
            f"{info}/top_level.txt": "spout\n",
            f"{info}/RECORD": f"spout.py,,\n{info}/METADATA,,\n{info}/RECORD,,\n",
        },
    )
    app = make_app(tmp_path)
    monkeypatch.chdir(app)
    forked = invoke(["fork", "spout", "myspout", "--search-path", str(site)])
    assert forked.exit_code == 0, forked.output
    edit(app / "myspout" / "__init__.py", "return myspout", "return 'hot ' + myspout")
    result = invoke(["diff", "--upstream", "--search-path", str(site)])
    assert "diff --git a/spout.py b/spout.py" in result.stdout
    project = tmp_path / "project"
    build_file_tree(project, {"spout.py": SPOUT})
    expected = SPOUT.replace(b"return spout", b"return 'hot ' + spout")
    assert _apply_both_ways(project, result.stdout, tmp_path) == (expected, expected)


def test_stat_json_and_committed(forked: Path) -> None:
    make_changes(forked)
    result = invoke(["diff", "--stat"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["teabag/core.py", "|", "+1", "-1"]
    assert lines[3].split() == ["teabag/legacy.py", "=>", "teabag/older.py", "|", "+0", "-0"]
    assert lines[-1] == " 6 file(s) changed, 14 insertion(s)(+), 7 deletion(s)(-)"
    data = json.loads(invoke(["diff", "--format", "json", "--committed"]).stdout)
    assert data["name"] == "teabag" and data["upstream"] is False
    assert [(f["status"], f["path"]) for f in data["files"]] == [
        ("M", "teabag/core.py"),
        ("A", "teabag/helpers.py"),
        ("R", "teabag/legacy.py"),
        ("D", "teabag/teapot.py"),
        ("M", "teabag/util.py"),
    ]
    assert "teabag/__init__.py" not in data["patch"]
    data = json.loads(invoke(["diff", "--upstream", "--format", "json", "--stat"]).stdout)
    assert data["directory"] == "kettle" and data["patch"] is None
    assert data["files"][0]["path"] == "kettle/__init__.py"


def test_binary_and_empty(forked: Path, tmp_path: Path) -> None:
    result = invoke(["diff"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "No changes in teabag against its snapshot." in result.stderr
    (forked / "teabag" / "logo.bin").write_bytes(bytes(range(256)) * 4)
    git_commit_all(forked, "a binary file")
    result = invoke(["diff", "--upstream"])
    assert "GIT binary patch" in result.stdout
    checkout = tmp_path / "kettle"
    git(tmp_path, "clone", "-q", "--branch", "v1.0", str(forked.parent / "upstream"), str(checkout))
    (tmp_path / "bin.patch").write_text(result.stdout)
    git(checkout, "apply", str(tmp_path / "bin.patch"))
    assert (checkout / "kettle" / "logo.bin").read_bytes() == bytes(range(256)) * 4


def test_refusals(forked: Path) -> None:
    result = invoke(["diff", "--upstream-dir", "src/kettle"])
    assert result.exit_code == 2
    result = invoke(["diff", "nope"])
    assert result.exit_code == 1 and "no vendored package named 'nope'" in result.stderr
    (forked / "teabag" / "core.py").write_text("def broken(:\n    import teabag\n")
    result = invoke(["diff", "--upstream"])
    assert result.exit_code == 1
    assert "Error: cannot rename teabag/core.py back to upstream's names" in result.stderr
    assert invoke(["diff"]).exit_code == 0  # the plain patch needs no parsing


@pytest.mark.slow
def test_flask_fork_patch_goes_back_to_flask(
    flask_303: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real thing: Flask 3.0.3 forked as myflask; a change to the fork, sent upstream.

    The patch renamed back must apply to Flask 3.0.3's own files, in flask's names;
    status and check see the installed Flask 3.1 as newer, and the app loads no flask.
    """
    app = make_app(tmp_path, "acme_flask")
    monkeypatch.chdir(app)
    search = ["--search-path", str(flask_303)]
    assert invoke(["fork", "flask", "myflask", *search]).exit_code == 0
    helpers = app / "myflask" / "helpers.py"
    edit(
        helpers,
        "def get_debug_flag() -> bool:",
        "def get_debug_flag() -> bool:  # acme: reviewed\n    from myflask.globals import current_app  # noqa",
    )
    git_commit_all(app, "acme: review get_debug_flag")
    result = invoke(["diff", "--upstream", *search])
    assert result.exit_code == 0, result.output
    assert "+    from flask.globals import current_app  # noqa" in result.stdout
    assert "myflask" not in result.stdout
    # Applied to the files of the Flask 3.0.3 distribution (package directory flask/).
    upstream = tmp_path / "flask-3.0.3"
    shutil.copytree(
        flask_303 / "flask", upstream / "flask", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "up.patch").write_text(result.stdout)
    proc = subprocess.run(
        ["patch", "-p1", "-s", "-i", str(tmp_path / "up.patch")],
        cwd=upstream,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    patched = (upstream / "flask" / "helpers.py").read_text()
    assert "def get_debug_flag() -> bool:  # acme: reviewed\n    from flask.globals" in patched
    original = (flask_303 / "flask" / "helpers.py").read_text()
    assert (
        patched.replace("  # acme: reviewed\n    from flask.globals import current_app  # noqa", "")
        == original
    )
    # status: recorded 3.0.3, the installed 3.1 is newer; check: behind only, no flask loaded.
    # (Without --search-path: with it, Flask 3.0.3 there is what the source offers first.)
    (data,) = json.loads(invoke(["status", "--format", "json"]).stdout)["forks"]
    assert data["revision"] == "3.0.3" and data["behind"] is True
    assert data["newest_revision"].startswith("3.1")
    assert [f["path"] for f in data["local_changes"]["files"]] == ["myflask/helpers.py"]
    result = invoke(["check", "--app", "app"])
    assert result.exit_code == 4, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith("myflask: behind: flask 3.1")
    assert (
        "note: myflask: snapshot not verified: Flask no longer provides flask 3.0.3"
        in result.stderr
    )
    result = invoke(["check", "--app", "app", "--skip", "behind", *search])
    assert result.exit_code == 0, result.output


def test_every_recorded_package_by_default(forked: Path, tmp_path: Path) -> None:
    """With two forks recorded, `graft diff` shows both; `--upstream` labels each patch."""
    fork(str(forked.parent / "upstream"), "teacup", ref="v1.0", cwd=forked)
    edit(forked / "teabag" / "core.py", "return pour(cup)", "return pour(cup).upper()  # bag")
    edit(forked / "teacup" / "core.py", "return pour(cup)", "return pour(cup).lower()  # cup")
    git_commit_all(forked, "changes to both forks")

    result = invoke(["diff", "-o", str(tmp_path / "both.patch")])
    assert result.exit_code == 0, result.output
    patch = (tmp_path / "both.patch").read_text()
    assert "+    return pour(cup).upper()  # bag" in patch
    assert "+    return pour(cup).lower()  # cup" in patch
    # One patch for this repository: it takes both forks back to their snapshots.
    git(forked, "apply", "-R", "--index", str(tmp_path / "both.patch"))
    assert git(forked, "status", "--porcelain").strip() != ""
    git(forked, "reset", "-q", "--hard")

    stat = invoke(["diff", "--stat"]).stdout
    assert stat.index("teabag:") < stat.index("teabag/core.py") < stat.index("teacup:")
    data = json.loads(invoke(["diff", "--format", "json"]).stdout)
    assert [p["name"] for p in data["packages"]] == ["teabag", "teacup"]
    assert all(p["files"] for p in data["packages"])

    upstream = invoke(["diff", "--upstream"]).stdout
    assert "teabag" not in upstream.replace("# teabag:", "").replace("--upstream teabag)", "")
    sections = upstream.split("# teacup: ")
    assert sections[0].startswith("# teabag: changes to kettle v1.0")
    assert (
        "diff --git a/kettle/core.py" in sections[0]
        and "diff --git a/kettle/core.py" in sections[1]
    )
    # Each labelled section applies to the upstream project on its own.
    for section, marker in zip(sections, ["upper()  # bag", "lower()  # cup"]):
        checkout = tmp_path / f"kettle-{marker[:5]}"
        git(
            tmp_path,
            "clone",
            "-q",
            "--branch",
            "v1.0",
            str(forked.parent / "upstream"),
            str(checkout),
        )
        (tmp_path / "one.patch").write_text(section if section.startswith("#") else "# " + section)
        git(checkout, "apply", str(tmp_path / "one.patch"))
        assert marker in (checkout / "kettle" / "core.py").read_text()

    result = invoke(["diff", "--upstream", "--upstream-dir", "kettle"])
    assert result.exit_code == 2 and "needs one package" in result.stderr
    one = invoke(["diff", "--upstream", "teacup"]).stdout
    assert one.startswith("diff --git a/kettle/core.py")


def _entry(**changes: t.Any) -> t.Any:
    import dataclasses

    from graft.manifest import Entry

    base = Entry(
        name="teabag",
        kind="fork",
        source="../kettle",
        source_kind="directory",
        package="kettle",
        path="teabag",
        maps=("kettle=teabag",),
        revision="1.0",
        upstream_tree="a" * 40,
        fingerprint="sha256:f",
        snapshot="b" * 40,
        snapshot_tree="c" * 40,
        graft_version="0.1.0",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("layout", "source", "expected"),
    [
        ({"kettle/__init__.py": ""}, "up", "kettle"),
        ({"src/kettle/__init__.py": ""}, "up", "src/kettle"),
        ({"src/kettle.py": ""}, "up", "src/kettle.py"),
        ({"kettle.py": ""}, "up", "kettle.py"),
        # The source is the package folder itself, or the lone module.
        ({"kettle_pkg/__init__.py": ""}, "up/kettle_pkg", "kettle_pkg"),
        ({"brew.py": ""}, "up/brew.py", "brew.py"),
        # Nothing recognisable: the package name is assumed.
        ({"README": ""}, "up", "kettle"),
    ],
)
def test_upstream_dir_of_a_directory_source(
    tmp_path: Path, layout: dict[str, str], source: str, expected: str
) -> None:
    from graft.changes import upstream_dir

    build_file_tree(tmp_path / "up", layout)
    app = tmp_path / "app"
    app.mkdir()
    assert upstream_dir(_entry(source=f"../{source}"), app) == expected


def test_upstream_dir_of_a_git_source_and_a_distribution(tmp_path: Path) -> None:
    from graft.changes import upstream_dir

    app = tmp_path / "app"
    app.mkdir()
    # A folder that is no git repository: the layout is unknown.
    (tmp_path / "notrepo").mkdir()
    plain = _entry(source="../notrepo", source_kind="git", revision="d" * 40)
    assert upstream_dir(plain, app) == "kettle"
    # A real repository: the revision's tree says where the package is.
    repo = tmp_path / "kettle-repo"
    build_file_tree(repo, {"src/kettle.py": "X = 1\n"})
    git(repo, "init", "-q")
    revision = git_commit_all(repo, "kettle")
    git_entry = _entry(source="../kettle-repo", source_kind="git", revision=revision)
    assert upstream_dir(git_entry, app) == "src/kettle.py"
    # An installed distribution holding one module, or a package.
    site = tmp_path / "site"
    for dist, files in (("kettle-mod", ["kettle.py"]), ("kettle-pkg", ["kettle/__init__.py"])):
        info = f"{dist.replace('-', '_')}-1.0.dist-info"
        record = "".join(f"{name},,\n" for name in files)
        build_file_tree(
            site,
            {
                f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n",
                f"{info}/RECORD": record,
            },
        )
    search = [str(site)]
    module = _entry(source="kettle-mod", source_kind="distribution")
    package = _entry(source="kettle-pkg", source_kind="distribution")
    assert upstream_dir(module, app, search_path=search) == "kettle.py"
    assert upstream_dir(package, app, search_path=search) == "kettle"


def test_rename_back_refuses_a_file_that_does_not_parse() -> None:
    from graft.changes import rename_back, reverse_renames
    from graft.errors import RewriteError

    renames = reverse_renames(_entry())
    assert rename_back(b"import teabag\n", "teabag/x.py", renames) == b"import kettle\n"
    assert rename_back(b"teabag\n", "teabag/notes.txt", renames) == b"teabag\n"
    with pytest.raises(RewriteError, match=r"cannot rename teabag/x.py back to upstream's names"):
        rename_back(b"import teabag\ndef (:\n", "teabag/x.py", renames)
