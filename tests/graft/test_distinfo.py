"""graft.distinfo: a distribution's name, version and metadata read from the files it ships.

Real files in temp dirs, read in the packaging tools' order of trust; nothing is imported.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from conftest import build_file_tree

from graft.distinfo import (
    DistInfo,
    from_directory,
    from_package_files,
    from_project_files,
    installed_metadata,
    parse_metadata,
    same_folder_duplicates,
    version_in_source,
)
from graft.errors import SourceError


def test_metadata_headers_end_at_the_first_blank_line() -> None:
    text = (
        "Metadata-Version: 2.1\nName: Acme-Web\nsome continuation without a colon\n"
        "Version: 1.2\nName: second\n\nName: in-the-body\nVersion: 9\n"
    )
    assert parse_metadata(text) == DistInfo("Acme-Web", "1.2", text)
    # Neither header: the text says nothing about the distribution and is not kept.
    assert parse_metadata("Summary: x\n") == DistInfo()
    assert parse_metadata("\nName: body-only\n") == DistInfo()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"pyproject.toml": b'[project]\nname = "acme"\nversion = "1.0"\n'},
            DistInfo("acme", "1.0"),
        ),
        # A dynamic version is not known from the file.
        (
            {"pyproject.toml": b'[project]\nname = "acme"\ndynamic = ["version"]\n'},
            DistInfo("acme"),
        ),
        ({"pyproject.toml": b"[project\nname = 'broken'\n"}, DistInfo()),
        ({"pyproject.toml": b'project = "not a table"\n'}, DistInfo()),
        ({"pyproject.toml": b"[project]\nname = 3\n"}, DistInfo()),
        (
            {"setup.cfg": b"[metadata]\nname = acme\nversion = 2.0.post1\n"},
            DistInfo("acme", "2.0.post1"),
        ),
        (
            {"setup.cfg": b"[metadata]\nname = acme\nversion = attr: acme.__version__\n"},
            DistInfo("acme"),
        ),
        ({"setup.cfg": b"[options]\nzip_safe = false\n"}, DistInfo()),
        ({"setup.cfg": b"name = outside any section\n"}, DistInfo()),
        # The sdist's PKG-INFO comes first; the others fill in what it does not say.
        (
            {
                "PKG-INFO": b"Name: acme\n",
                "pyproject.toml": b'[project]\nname = "other"\nversion = "3"\n',
                "setup.cfg": b"[metadata]\nversion = 4\n",
            },
            DistInfo("acme", "3", "Name: acme\n"),
        ),
    ],
)
def test_project_files(files: dict[str, bytes], expected: DistInfo) -> None:
    assert from_project_files(files) == expected


@pytest.mark.parametrize(
    ("source", "version"),
    [
        (b"__version__ = '1.0'\n", "1.0"),
        (b"VERSION: str = '2.0'\n", "2.0"),
        (b"import x\nversion = '3.0'\n__version__ = '4.0'\n", "3.0"),
        (b"__version__ = get_version()\n", None),
        (b"__version__ = 1\n", None),
        (b"__version__: str\n", None),
        (b"obj.__version__ = '1'\na, b = '1', '2'\n", None),
        (b"def f():\n    __version__ = '1'\n", None),
        (b"__version__ = '1\n", None),  # does not parse
        (b"\x00", None),
    ],
)
def test_version_in_source(source: bytes, version: str | None) -> None:
    assert version_in_source(source) == version


def test_version_modules_come_before_the_init() -> None:
    files = {
        "__init__.py": b"__version__ = '1'\n",
        "version.py": b"version = '2'\n",
        "_version.py": b"# written at build time\n",
    }
    assert from_package_files(files) == DistInfo(version="2")
    assert from_package_files({"__init__.py": b"x = 1\n"}) == DistInfo()


def _info(site: Path, dirname: str, files: dict[str, str]) -> None:
    build_file_tree(site, {f"{dirname}/{name}": text for name, text in files.items()})


def test_installed_metadata_finds_the_one_that_provides_the_package(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "stray.dist-info").write_text("a file, not a folder\n")
    _info(site, "empty-1.0.dist-info", {"RECORD": "acme/__init__.py,,\n"})  # no METADATA
    _info(
        site,
        "other-1.0.dist-info",
        {"METADATA": "Name: other\nVersion: 1.0\n", "top_level.txt": "other\n"},
    )
    # Provides acme by its RECORD (no top_level.txt): picked.
    _info(
        site,
        "acme_web-2.0.dist-info",
        {"METADATA": "Name: acme-web\nVersion: 2.0\n", "RECORD": "acme/__init__.py,,\n"},
    )
    assert installed_metadata(site, "acme") == DistInfo(
        "acme-web", "2.0", "Name: acme-web\nVersion: 2.0\n"
    )
    assert installed_metadata(site, "nobody") == DistInfo()


def test_egg_info_without_a_file_list_provides_its_own_name(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _info(site, "Acme.Web.egg-info", {"PKG-INFO": "Name: Acme.Web\nVersion: 0.5\n"})
    assert installed_metadata(site, "acme_web").version == "0.5"
    assert installed_metadata(site, "acme").version is None


def test_two_distributions_of_different_names_are_no_ambiguity(tmp_path: Path) -> None:
    """Two names shipping one package (a rename on the index): the first, sorted, answers."""
    site = tmp_path / "site"
    _info(
        site,
        "acme-1.0.dist-info",
        {"METADATA": "Name: acme\nVersion: 1.0\n", "top_level.txt": "acme\n"},
    )
    _info(
        site,
        "acme_new-2.0.dist-info",
        {"METADATA": "Name: acme-new\nVersion: 2.0\n", "top_level.txt": "acme\n"},
    )
    assert installed_metadata(site, "acme").name == "acme"


def test_two_installations_of_one_name_are_refused(tmp_path: Path) -> None:
    """What ``pip install --target`` leaves after an upgrade: the stale one is not guessed at."""
    site = tmp_path / "site"
    _info(site, "acme-1.0.dist-info", {"METADATA": "Name: acme\nVersion: 1.0\n"})
    _info(
        site,
        "acme-1.1.dist-info",
        {"METADATA": "Name: Acme\nVersion: 1.1\n", "top_level.txt": "acme\n"},
    )
    with pytest.raises(
        SourceError,
        match=r"holds 2 installations of acme \(acme-1.0.dist-info, acme-1.1.dist-info\)",
    ):
        installed_metadata(site, "acme")


def test_same_folder_duplicates(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, version in ((one, "1"), (one, "2"), (two, "3")):
        _info(
            folder, f"acme-{version}.dist-info", {"METADATA": f"Name: acme\nVersion: {version}\n"}
        )
    dists = [
        importlib.metadata.PathDistribution(folder / f"acme-{version}.dist-info")
        for folder, version in ((one, "1"), (two, "3"), (one, "2"))
    ]
    assert [d.version for d in same_folder_duplicates(dists)] == ["1", "2"]
    assert same_folder_duplicates(dists[:1]) == []


def test_from_directory_reads_a_src_layout_egg_info(tmp_path: Path) -> None:
    """No sdist PKG-INFO at the root: the egg-info under src/ that setuptools wrote answers."""
    root = tmp_path / "project"
    build_file_tree(
        root,
        {
            "setup.cfg": "[metadata]\nversion = attr: acme.__version__\n",
            "src/acme.egg-info/PKG-INFO": "Metadata-Version: 2.1\nName: acme\nVersion: 1.4\n",
            "src/acme.egg-info/README": "no PKG-INFO here\n",
            "src/acme/__init__.py": "__version__ = '1.4.dev0'\n",
        },
    )
    info = from_directory(root / "src" / "acme", root)
    assert (info.name, info.version) == ("acme", "1.4")
    assert info.metadata is not None and "Version: 1.4" in info.metadata


def test_from_directory_of_a_lone_module(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"acme.py": "__version__ = '0.9'\n"})
    assert from_directory(tmp_path / "acme.py", None) == DistInfo(version="0.9")
    assert from_directory(tmp_path / "missing.py", None) == DistInfo()
