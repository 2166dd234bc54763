"""graft.extensions: an extension's metadata and layout as ``graft patch`` reads them, and what needs a human.

Real dist-info folders on a search path, real project directories, the real rewrite rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_file_tree

from graft.extensions import (
    ExtensionInfo,
    extension_info,
    find_distribution,
    find_human_work,
    find_original_installed,
    locate_single_module,
)
from graft.rewrite import Renames
from graft.rewrite.options import RequirementRule
from graft.rewrite.profiles import FLASK_VIAL
from graft.sources import SEARCH_PATH_ENV, Upstream
from graft.surface import vial_rule


@pytest.fixture(autouse=True)
def _no_search_path_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SEARCH_PATH_ENV, raising=False)


def _install(site: Path, dist: str, version: str, files: dict[str, str], top: str) -> None:
    """What ``pip install --target site`` leaves: the files, and a dist-info with its RECORD."""
    info = f"{dist.replace('-', '_')}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\nRequires-Dist: Flask>=2\n"
    listing = {
        **files,
        f"{info}/METADATA": meta,
        f"{info}/top_level.txt": f"{top}\n",
        f"{info}/LICENSE.txt": "MIT\n",
        f"{info}/entry_points.txt": "[flask.commands]\nx = ext:x\n",
    }
    record = "".join(f"{rel},,\n" for rel in listing) + f"{info}/RECORD,,\n"
    build_file_tree(site, {**listing, f"{info}/RECORD": record})


def test_a_one_module_distribution_becomes_a_package(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site, "Flask-Tiny", "1.3", {"flask_tiny.py": "import flask\n"}, "flask_tiny")
    _install(site, "Flask-Pkg", "2.0", {"flask_pkg/__init__.py": ""}, "flask_pkg")
    search = [str(site)]

    # Found by distribution name or by import name.
    dist = find_distribution("flask-tiny", search)
    assert dist is not None and dist.version == "1.3"
    assert find_distribution("flask_tiny", search) is not None
    assert find_distribution("flask-nobody-ships", search) is None

    upstream = locate_single_module("Flask-Tiny", cwd=tmp_path, search_path=search)
    assert upstream is not None
    assert (upstream.kind, upstream.source, upstream.package, upstream.revision) == (
        "distribution",
        "Flask-Tiny",
        "flask_tiny",
        "1.3",
    )
    assert dict(upstream.files) == {"__init__.py": b"import flask\n", "LICENSE.txt": b"MIT\n"}
    # A package is no single module; a path is never a distribution name.
    assert locate_single_module("Flask-Pkg", cwd=tmp_path, search_path=search) is None
    assert locate_single_module("./missing", cwd=tmp_path, search_path=search) is None

    info = extension_info("Flask-Tiny", upstream, tmp_path, search)
    assert (info.dist, info.version, info.requires) == ("Flask-Tiny", "1.3", ["Flask>=2"])
    assert info.entry_points == "[flask.commands]\nx = ext:x\n"


def test_a_one_module_project_directory(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "proj",
        {
            "pyproject.toml": '[project]\nname = "Flask-Solo"\nversion = "0.4"\n',
            "src/flask_solo.py": "X = 1\n",
            "COPYING": "GPL\n",
            "README.md": "not a licence\n",
        },
    )
    build_file_tree(tmp_path / "bare", {"bare.py": ""})
    build_file_tree(tmp_path / "pkg", {"pkg/__init__.py": ""})
    upstream = locate_single_module("proj", cwd=tmp_path, search_path=[])
    assert upstream is not None
    assert (upstream.kind, upstream.package, upstream.revision) == (
        "directory",
        "flask_solo",
        "0.4",
    )
    assert dict(upstream.files) == {"__init__.py": b"X = 1\n", "COPYING": b"GPL\n"}
    bare = locate_single_module("bare", cwd=tmp_path, search_path=[])
    assert bare is not None and (bare.package, bare.revision) == ("bare", "unversioned")
    assert locate_single_module("pkg", cwd=tmp_path, search_path=[]) is None


def test_extension_info_of_a_directory(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "sdist/PKG-INFO": "Metadata-Version: 2.1\nName: Flask-Sd\nVersion: 1.1\nRequires-Dist: flask\n",
            "proj/pyproject.toml": (
                '[project]\nname = "Flask-Proj"\ndescription = "An extension"\n'
                'dependencies = ["flask>=3", "click"]\n'
            ),
            "none/flask_none/__init__.py": "",
        },
    )

    def upstream(source: str) -> Upstream:
        return Upstream("directory", source, "flask_x", "abc123")

    sdist = extension_info("sdist", upstream("sdist"), tmp_path, None)
    assert (sdist.dist, sdist.version, sdist.requires) == ("Flask-Sd", "1.1", ["flask"])
    proj = extension_info("proj", upstream("proj"), tmp_path, None)
    assert (proj.dist, proj.version, proj.requires) == (
        "Flask-Proj",
        "abc123",
        ["flask>=3", "click"],
    )
    assert proj.metadata is not None and proj.metadata["Summary"] == "An extension"
    # No metadata at all: the import name and the revision.
    assert extension_info("none", upstream("none"), tmp_path, None) == ExtensionInfo(
        "flask_x", "abc123"
    )


def _upstream(files: dict[str, bytes]) -> Upstream:
    return Upstream("directory", "ext", "flask_ext", "1.0", files=files)


def test_human_work_in_files() -> None:
    template = "".join(f"{{# flask line {n} #}}\n" for n in range(1, 8)) + "flask_login only\n"
    upstream = _upstream(
        {
            "__init__.py": b"import flask\nV = flask.__version__\n",
            "templates/page.html": template.encode(),
            "logo.png": b"\x89PNG\xff\xfe flask",
        }
    )
    found = find_human_work(
        upstream,
        ExtensionInfo("Flask-Ext", "1.0"),
        "vendor/flask_ext",
        Renames.parse(["flask=myflask"]),
    )
    where = [(f.path, f.line, f.kind) for f in found]
    # The version read, and at most five lines of the template; the binary file is skipped.
    assert where == [("vendor/flask_ext/__init__.py", 2, "version")] + [
        ("vendor/flask_ext/templates/page.html", n, "file") for n in range(1, 6)
    ]
    assert "mentions flask; check whether it means the framework" in found[1].message
    # vial answers flask.__version__ with __flask_version__: nothing to say about it.
    with_vial = find_human_work(upstream, ExtensionInfo("Flask-Ext", "1.0"), "v", FLASK_VIAL)
    assert [f.kind for f in with_vial] == ["file"] * 5


def _metadata_info(requires: list[str], entry_points: str) -> ExtensionInfo:
    import email.message

    meta = email.message.Message()
    meta["Name"] = "Flask-Ext"
    for requirement in requires:
        meta["Requires-Dist"] = requirement
    return ExtensionInfo("Flask-Ext", "1.0", meta, entry_points)


ENTRY_POINTS = (
    "[flask.commands]\ndb = flask_ext.cli:db\n\n[console_scripts]\next = flask_ext:main\n"
)


def test_human_work_in_metadata_for_vial() -> None:
    info = _metadata_info(["Flask>=2.3", "click>=8"], ENTRY_POINTS)
    facts = ((vial_rule("flask"),), (("vial.commands", "vial/cli.py:1"),))
    found = find_human_work(_upstream({}), info, "v", FLASK_VIAL, facts)
    assert [(f.path, f.kind, f.message) for f in found] == [
        (
            "Flask-Ext metadata",
            "metadata",
            "Requires-Dist: Flask>=2.3; installing the original from PyPI pulls it in: "
            "a --wheel requires vial-web>=0.1.0 instead",
        ),
        (
            "Flask-Ext entry_points.txt",
            "entry-point",
            "registers in the [flask.commands] entry-point group of the old framework; "
            "a --wheel registers it in [vial.commands] instead, the group the target reads",
        ),
    ]


def test_human_work_in_metadata_for_a_fork() -> None:
    renames = Renames.parse(["flask=myflask"])
    info = _metadata_info(["Flask>=2.3"], ENTRY_POINTS)
    shipped = (
        (RequirementRule("flask", reason="the app ships myflask"),),
        (("flask.commands", "x:1"),),
    )
    [dropped] = find_human_work(_upstream({}), info, "v", renames, shipped)
    assert dropped.message.endswith("a --wheel drops it (the app ships the framework itself)")
    # Nothing known about myflask: the requirement is kept and said, the group too.
    kept = find_human_work(_upstream({}), info, "v", renames)
    assert [f.kind for f in kept] == ["metadata", "entry-point"]
    assert "a --wheel keeps it (" in kept[0].message
    assert kept[1].message.startswith(
        "registers in the [flask.commands] entry-point group: entry-point group 'flask.commands' kept"
    )


def test_the_original_installed_outside_the_app(tmp_path: Path) -> None:
    """click is installed in this venv, outside any app root: said, with where it is."""
    [finding] = find_original_installed("click", tmp_path)
    assert finding.kind == "environment" and finding.path.startswith("click ")
    assert "--wheel DIR --install" in finding.message
    import click

    inside = Path(click.__file__).resolve().parent.parent
    assert find_original_installed("click", inside) == []
    assert find_original_installed("no-such-dist-anywhere", tmp_path) == []
