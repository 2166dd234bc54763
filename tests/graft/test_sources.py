"""Where upstreams come from: the four kinds, package detection and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_file_tree, git, git_commit_all

from graft import sources
from graft.errors import SourceError


def test_bundled_vial() -> None:
    up = sources.locate("vial", root=Path.cwd())
    assert (up.kind, up.package, up.source) == ("bundled", "vial", "vial")
    assert "__init__.py" in up.files and "py.typed" in up.files
    assert not any("__pycache__" in p for p in up.files)
    assert up.label == f"vial {up.revision}"


def test_git_source_tags_and_package(upstream: Path, tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    up = sources.locate(str(upstream), root=root, ref="v2.0")
    assert up.kind == "git" and up.source == "../upstream" and up.package == "kettle"
    assert up.revision == git(upstream, "rev-parse", "v2.0").strip()
    assert "extra.py" in up.files and "LICENSE" in up.files and "legacy.py" not in up.files
    assert up.label.startswith("kettle v2.0 (")
    assert sources.default_ref("../upstream", root=root, recorded_ref="v1.0") == "v3.0"
    assert sources.default_ref("../upstream", root=root, recorded_ref="main") == "main"
    v1, v3 = (git(upstream, "rev-parse", v).strip() for v in ("v1.0", "v3.0"))
    assert sources.releases_between("../upstream", root=root, since=v1, until=v3) == [
        "v2.0",
        "v3.0",
    ]
    # The digest does not depend on where the files were read from.
    again = sources.locate(str(upstream), root=root, ref=up.revision)
    assert again.tree == up.tree


def test_git_source_ambiguity(tmp_path: Path) -> None:
    repo = tmp_path / "multi"
    build_file_tree(
        repo, {"one/__init__.py": "", "src/two/__init__.py": "", "tests/__init__.py": ""}
    )
    git(repo, "init", "-q")
    git_commit_all(repo)
    with pytest.raises(SourceError, match=r"several packages .*\(one, two\)"):
        sources.locate(str(repo), root=tmp_path)
    assert sources.locate(str(repo), root=tmp_path, package="two").package == "two"


def test_git_url_is_mirrored(upstream: Path, tmp_path: Path) -> None:
    url = upstream.as_uri()
    up = sources.locate(url, root=tmp_path, ref="v1.0")
    assert up.source == url and up.kind == "git" and "core.py" in up.files
    git(upstream, "tag", "v4.0", "v3.0")
    assert sources.default_ref(url, root=tmp_path, recorded_ref=None) == "v4.0"  # fetched again


def test_directory_guessing_and_refusals(tmp_path: Path) -> None:
    build_file_tree(tmp_path / "nopkg", {"README": "x"})
    with pytest.raises(SourceError, match="no Python package found"):
        sources.locate(str(tmp_path / "nopkg"), root=tmp_path)
    with pytest.raises(SourceError, match="unknown source"):
        sources.locate("./missing_dir", root=tmp_path)
    with pytest.raises(SourceError, match="unknown source"):
        sources.locate("surely_not_installed_pkg", root=tmp_path)
    build_file_tree(tmp_path / "mod", {"kit/__init__.py": "__version__ = '0.3'\n"})
    up = sources.locate(str(tmp_path / "mod"), root=tmp_path)
    assert (up.kind, up.package, up.revision, up.source) == ("directory", "kit", "0.3", "mod")


def test_distribution_by_import_name_and_search_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    build_file_tree(
        site,
        {
            "Some_Dist-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: Some-Dist\nVersion: 2.0\n",
            "Some_Dist-2.0.dist-info/RECORD": "somemod/__init__.py,,\nsomemod/x.py,,\n"
            "Some_Dist-2.0.dist-info/licenses/LICENSE,,\n",
            "Some_Dist-2.0.dist-info/licenses/LICENSE": "MIT\n",
            "Some_Dist-2.0.dist-info/top_level.txt": "somemod\n",
            "somemod/__init__.py": "",
            "somemod/x.py": "import somemod\n",
        },
    )
    up = sources.locate("somemod", root=tmp_path, search_path=[str(site)])
    assert (up.kind, up.source, up.package, up.revision) == (
        "distribution",
        "Some-Dist",
        "somemod",
        "2.0",
    )
    assert sorted(up.files) == ["LICENSE", "__init__.py", "x.py"]
    monkeypatch.setenv(sources.SEARCH_PATH_ENV, str(site))
    assert sources.locate("Some-Dist", root=tmp_path).package == "somemod"
    with pytest.raises(SourceError, match="no package 'other'"):
        sources.locate("Some-Dist", root=tmp_path, package="other")
    # --ref cannot pick another version of an installed distribution: refused,
    # unless it names the installed one.
    with pytest.raises(SourceError) as info:
        sources.locate("somemod", root=tmp_path, ref="1.0")
    assert str(info.value) == (
        "--ref applies to git sources only; Some-Dist is an installed distribution at 2.0. "
        "Install the version you want (pip install Some-Dist==1.0) or pass a git repository."
    )
    assert sources.locate("somemod", root=tmp_path, ref="2.0").revision == "2.0"


def test_ref_is_refused_for_bundled_and_directory_sources(tmp_path: Path) -> None:
    with pytest.raises(
        SourceError,
        match="--ref applies to git sources only; vial is graft's bundled framework at ",
    ):
        sources.locate("vial", root=tmp_path, ref="1.0")
    build_file_tree(tmp_path / "mod", {"kit/__init__.py": "__version__ = '0.3'\n"})
    with pytest.raises(
        SourceError, match="--ref applies to git sources only; mod is a directory at 0.3"
    ):
        sources.locate(str(tmp_path / "mod"), root=tmp_path, ref="1.0")
    assert sources.locate(str(tmp_path / "mod"), root=tmp_path, ref="0.3").revision == "0.3"


def test_single_module_projects_become_a_package_init(tmp_path: Path) -> None:
    """The layout `graft patch` vendors one-module extensions in, so sync finds them again."""
    project = tmp_path / "proj"
    build_file_tree(
        project,
        {
            "pyproject.toml": '[project]\nname = "onemod"\nversion = "0.4"\n',
            "src/onemod.py": "import flask\n",
            "LICENSE": "MIT\n",
        },
    )
    up = sources.locate(str(project), root=tmp_path, package="onemod")
    assert (up.kind, up.package, up.revision) == ("directory", "onemod", "0.4")
    assert up.files == {"__init__.py": b"import flask\n", "LICENSE": b"MIT\n"}
    git(project, "init", "-q")
    git_commit_all(project)
    up = sources.locate(str(project), root=tmp_path, package="onemod")
    assert up.kind == "git" and up.files == {"__init__.py": b"import flask\n", "LICENSE": b"MIT\n"}
    site = tmp_path / "site"
    build_file_tree(
        site,
        {
            "onemod-0.4.dist-info/METADATA": "Metadata-Version: 2.1\nName: onemod\nVersion: 0.4\n",
            "onemod-0.4.dist-info/RECORD": "onemod.py,,\n",
            "onemod-0.4.dist-info/top_level.txt": "onemod\n",
            "onemod.py": "import flask\n",
        },
    )
    up = sources.locate("onemod", root=tmp_path, search_path=[str(site)])
    assert (up.kind, up.package, up.files) == (
        "distribution",
        "onemod",
        {"__init__.py": b"import flask\n"},
    )


def test_editable_distribution_is_read_from_its_import_location(tmp_path: Path) -> None:
    """graft itself is installed editable here: its RECORD lists a .pth, not the files."""
    up = sources.locate("graft", root=tmp_path)
    assert (up.kind, up.package) == ("distribution", "graft")
    assert "sync.py" in up.files and "rewrite/names.py" in up.files


def test_unreachable_git_source_gives_gits_reason(tmp_path: Path) -> None:
    # The message once ended in a stray quote (GitPython's last stderr line).
    with pytest.raises(SourceError) as info:
        sources.locate("file:///nonexistent/repo.git", root=tmp_path)
    message = str(info.value)
    assert message.startswith(
        "cannot open git source file:///nonexistent/repo.git: cannot fetch "
        "file:///nonexistent/repo.git: fatal: "
    )
    assert "does not appear to be a git repository" in message
    assert info.value.hint and "git ls-remote" in info.value.hint


def test_lone_module_is_found_without_package(tmp_path: Path) -> None:
    """A one-module extension (``flask_hello.py``) in a directory or git source, no --package.

    Before, directory sources read single modules only with --package: "no Python package found".
    """
    project = tmp_path / "flask-hello"
    build_file_tree(
        project,
        {
            "pyproject.toml": '[project]\nname = "flask-hello"\nversion = "1.0"\n',
            "flask_hello.py": "import flask\n",
            "setup.py": "",
            "tests/test_hello.py": "import flask_hello\n",
        },
    )
    up = sources.locate(str(project), root=tmp_path)
    assert (up.kind, up.package, up.revision) == ("directory", "flask_hello", "1.0")
    assert up.files == {"__init__.py": b"import flask\n"}
    git(project, "init", "-q")
    git_commit_all(project)
    up = sources.locate(str(project), root=tmp_path)
    assert (up.kind, up.package, up.files) == (
        "git",
        "flask_hello",
        {"__init__.py": b"import flask\n"},
    )
    # Two modules: ambiguous, so still refused.
    build_file_tree(tmp_path / "two", {"a_mod.py": "", "b_mod.py": ""})
    with pytest.raises(SourceError, match="no Python package found"):
        sources.locate(str(tmp_path / "two"), root=tmp_path)


# -- what a source says about its distribution --------------------------------------


@pytest.mark.parametrize(
    ("files", "version", "name"),
    [
        (
            {"PKG-INFO": "Metadata-Version: 2.1\nName: Kettle\nVersion: 1.4.2\n"},
            "1.4.2",
            "Kettle",
        ),
        ({"pyproject.toml": '[project]\nname = "kettle"\nversion = "2.0"\n'}, "2.0", "kettle"),
        (
            {"pyproject.toml": '[tool.other]\nversion = "9"\n[project]\nname = "kettle"\n'},
            None,
            "kettle",
        ),
        ({"setup.cfg": "[metadata]\nname = kettle\nversion = 0.3\n"}, "0.3", "kettle"),
        ({"kettle/__version__.py": '__version__ = "5.1"\n'}, "5.1", None),
        ({"kettle/_version.py": 'version = "5.2"\n'}, "5.2", None),
        ({"kettle/__init__.py": '"""K."""\n__version__: str = "5.3"\n'}, "5.3", None),
        ({}, None, None),
    ],
)
def test_directory_source_reads_its_version(
    tmp_path: Path, files: dict[str, str], version: str | None, name: str | None
) -> None:
    """PKG-INFO, pyproject's [project], setup.cfg, a version module, then __init__: never a guess."""
    build_file_tree(tmp_path / "proj", {"kettle/__init__.py": "", "kettle/core.py": "", **files})
    up = sources.locate(str(tmp_path / "proj"), root=tmp_path)
    assert up.revision == (version or "unversioned")
    assert (up.version, up.distribution) == (version, name)
    if "PKG-INFO" in files:
        assert up.metadata == files["PKG-INFO"]


def test_sdist_pkg_info_wins_over_the_package(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "kettle-1.0",
        {
            "PKG-INFO": "Metadata-Version: 2.1\nName: kettle\nVersion: 1.0\n",
            "src/kettle/__init__.py": '__version__ = "0.0.dev"\n',
        },
    )
    assert sources.locate(str(tmp_path / "kettle-1.0"), root=tmp_path).revision == "1.0"


def test_git_source_knows_its_distribution(tmp_path: Path) -> None:
    repo = tmp_path / "attrs"
    build_file_tree(
        repo,
        {
            "pyproject.toml": '[project]\nname = "attrs"\ndynamic = ["version"]\n',
            "src/attr/__init__.py": '__version__ = "24.2.0"\n',
        },
    )
    git(repo, "init", "-q")
    git_commit_all(repo)
    up = sources.locate(str(repo), root=tmp_path)
    assert (up.package, up.distribution, up.version) == ("attr", "attrs", "24.2.0")


def _dist_info(folder: Path, dirname: str, name: str, version: str, top: str) -> None:
    build_file_tree(
        folder / dirname,
        {
            "METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            "top_level.txt": f"{top}\n",
            "RECORD": f"{top}/__init__.py,,\n",
        },
    )


def test_two_installations_in_one_folder_are_said(tmp_path: Path) -> None:
    """``pip install --target`` leaves the old dist-info behind on upgrade: refused, both named."""
    site = tmp_path / "site"
    build_file_tree(site, {"kettle/__init__.py": ""})
    _dist_info(site, "kettle-1.0.dist-info", "kettle", "1.0", "kettle")
    _dist_info(site, "Kettle-2.0.dist-info", "Kettle", "2.0", "kettle")
    with pytest.raises(
        SourceError, match=r"2 installations of kettle \(Kettle 2\.0, kettle 1\.0\)"
    ):
        sources.locate("kettle", root=tmp_path, search_path=[str(site)])
    # The package directory itself, read as a directory source, meets the same question.
    with pytest.raises(SourceError, match=r"2 installations of .*Kettle-2\.0\.dist-info"):
        sources.locate(str(site / "kettle"), root=tmp_path)


def test_one_installation_gives_metadata(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_file_tree(site, {"kettle/__init__.py": ""})
    _dist_info(site, "Kettle-2.0.dist-info", "Kettle", "2.0", "kettle")
    up = sources.locate("kettle", root=tmp_path, search_path=[str(site)])
    assert (up.distribution, up.version) == ("Kettle", "2.0")
    assert up.metadata is not None and "Version: 2.0" in up.metadata
    directory = sources.locate(str(site / "kettle"), root=tmp_path)
    assert (directory.revision, directory.distribution) == ("2.0", "Kettle")


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_a_git_source_gives_what_a_checkout_of_it_gives(tmp_path: Path, object_format: str) -> None:
    """Its files are read when first wanted; their bytes and digest are a directory's."""
    project = tmp_path / "proj"
    build_file_tree(
        project,
        {
            "pyproject.toml": '[project]\nname = "brew"\nversion = "1.2"\n',
            "brew/__init__.py": "from brew import core\n",
            "brew/_version.py": '__version__ = "1.2"\n',
            "brew/core.py": "X = 1\n",
            "brew/data/LICENSE": "the package's own\n",
            "LICENSE": "MIT\n",
        },
    )
    directory = sources.locate(str(project), root=tmp_path)
    git(project, "init", "-q", f"--object-format={object_format}")
    git_commit_all(project)
    up = sources.locate(str(project), root=tmp_path)
    assert (directory.kind, up.kind) == ("directory", "git")
    assert up.tree == directory.tree
    assert "brew/core.py" not in up.files and "core.py" in up.files
    assert dict(up.files) == dict(directory.files)
    assert up.tree == directory.tree
