"""The [tool.graft.packages] table: round trips that keep the user's formatting."""

from __future__ import annotations

import dataclasses
import typing as t

import pytest
import tomlkit

from graft.errors import ManifestError
from graft.manifest import Entry, parse_manifest, path_problem, remove_entry, set_entry

ENTRY = Entry(
    name="acme_web",
    kind="fork",
    source="vial",
    source_kind="bundled",
    package="vial",
    path="acme_web",
    maps=("vial=acme_web",),
    revision="0.1.0",
    upstream_tree="a" * 40,
    fingerprint="sha256:f",
    snapshot="b" * 40,
    snapshot_tree="c" * 40,
    graft_version="0.1.0",
)

USER_TEXT = """\
# my app
[project]
name = "app"   # aligned comment
dependencies = [
    "click",  # keep
]

[tool.black]
line-length = 99
"""


def test_set_entry_keeps_everything_else_byte_for_byte() -> None:
    text = set_entry(USER_TEXT, ENTRY)
    assert text.startswith(USER_TEXT)
    assert "[tool.graft.packages.acme_web]" in text
    assert parse_manifest(text).select(None) == ENTRY


def test_empty_file_and_round_trip() -> None:
    text = set_entry("", ENTRY)
    assert text.startswith("[tool.graft.packages.acme_web]\n")
    assert parse_manifest(text).entries == (ENTRY,)
    assert set_entry(text, ENTRY) == text  # idempotent


def test_update_in_place_and_optional_ref() -> None:
    text = set_entry(USER_TEXT, ENTRY)
    newer = ENTRY.replace(revision="0.2.0", ref="v0.2.0")
    updated = set_entry(text, newer)
    assert parse_manifest(updated).select("acme_web") == newer
    assert updated.count("[tool.graft.packages.acme_web]") == 1
    assert parse_manifest(set_entry(updated, ENTRY)).select(None).ref is None


def test_several_entries_and_selection() -> None:
    patch = ENTRY.replace(
        name="flask_login",
        kind="patch",
        package="flask_login",
        path="flask_login",
        maps=("flask=myflask",),
    )
    text = set_entry(set_entry(USER_TEXT, ENTRY), patch)
    manifest = parse_manifest(text)
    assert manifest.names() == ["acme_web", "flask_login"]
    with pytest.raises(ManifestError, match="several vendored packages"):
        manifest.select(None)
    assert manifest.select("flask_login").kind == "patch"
    assert parse_manifest(remove_entry(text, "flask_login")).names() == ["acme_web"]


def test_no_manifest() -> None:
    assert parse_manifest(USER_TEXT).entries == ()
    with pytest.raises(ManifestError, match="graft fork"):
        parse_manifest(USER_TEXT).select(None)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('kind = "fork"\n', "has no 'source'"),
        ("", "has no 'kind'"),
    ],
)
def test_invalid_tables(broken: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message) as info:
        parse_manifest(f"[tool.graft.packages.x]\n{broken}")
    assert info.value.format_message().startswith("[tool.graft.packages.x]")


def test_invalid_values() -> None:
    text = set_entry("", ENTRY).replace('kind = "fork"', 'kind = "spoon"')
    with pytest.raises(ManifestError, match="'kind' must be one of"):
        parse_manifest(text)
    text = set_entry("", ENTRY).replace('maps = ["vial=acme_web"]', "maps = 3")
    with pytest.raises(ManifestError, match="'maps' must be a list"):
        parse_manifest(text)
    with pytest.raises(ManifestError, match="not valid TOML"):
        parse_manifest("[tool\n")


def test_crlf_files_keep_crlf() -> None:
    text = set_entry(USER_TEXT.replace("\n", "\r\n"), ENTRY)
    assert text.startswith(USER_TEXT.replace("\n", "\r\n"))
    assert "\n" not in text.replace("\r\n", "")
    assert parse_manifest(text).select(None) == ENTRY


# -- layouts tomlkit gives other shapes than a plain Table --------------------------
# A user's own [tool.graft] written after graft's tables makes tomlkit return an
# OutOfOrderTableProxy for it; [tool] split by [project] does the same one level up.

USER_GRAFT = """\

# graft settings, mine
[tool.graft]
color = false   # keep this comment
"""


def _named(name: str) -> Entry:
    """ENTRY as the fork ``name`` (its table name, path and map agree, as graft writes them)."""
    return ENTRY.replace(name=name, path=name, maps=(f"vial={name}",))


def _recorded(name: str = "acme_web", **changes: str) -> str:
    return set_entry("", _named(name).replace(**changes))


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda: _recorded() + USER_GRAFT, id="user-graft-table-after-entries"),
        pytest.param(lambda: _recorded() + "\n" + USER_TEXT, id="tool-split-by-project"),
        pytest.param(
            lambda: _recorded() + USER_GRAFT + "\n" + _recorded("other"),
            id="packages-split-by-user-graft-table",
        ),
    ],
)
def test_out_of_order_tables_keep_the_users_text(layout: t.Callable[[], str]) -> None:
    text = layout()
    assert parse_manifest(text).get("acme_web") == ENTRY
    # An update changes the entry's own lines and nothing else, byte for byte.
    newer = ENTRY.replace(revision="0.2.0", snapshot="d" * 40)
    updated = set_entry(text, newer)
    assert updated == text.replace('revision = "0.1.0"', 'revision = "0.2.0"', 1).replace(
        "b" * 40, "d" * 40, 1
    )
    assert parse_manifest(updated).get("acme_web") == newer
    # A new entry goes after everything the user wrote, which stays as it was.
    added = set_entry(updated, _named("flask_login"))
    assert added.startswith(updated + "\n[tool.graft.packages.flask_login]\n")
    assert parse_manifest(added).get("flask_login") == _named("flask_login")
    assert set_entry(added, _named("flask_login")) == added
    # Removing it keeps the rest, comments included.
    removed = remove_entry(added, "flask_login")
    assert parse_manifest(removed).get("flask_login") is None
    assert parse_manifest(removed).get("acme_web") == newer
    assert [line for line in text.splitlines() if "#" in line] == [
        line for line in removed.splitlines() if "#" in line
    ]


def test_user_graft_table_after_entries_in_a_sync_record() -> None:
    # The reported case: the entry is rewritten by a sync while [tool.graft] follows it.
    text = USER_TEXT + "\n" + _recorded() + USER_GRAFT
    newer = ENTRY.replace(revision="0.3.0")
    updated = set_entry(text, newer)
    assert updated.startswith(USER_TEXT)
    assert updated.endswith(USER_GRAFT)
    assert parse_manifest(updated).select(None) == newer


def test_crlf_with_out_of_order_tables() -> None:
    text = (_recorded() + USER_GRAFT).replace("\n", "\r\n")
    added = set_entry(text, _named("other"))
    assert added.startswith(text)
    assert "\n" not in added.replace("\r\n", "")
    assert parse_manifest(added).names() == ["acme_web", "other"]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        pytest.param(
            "[tool]\ngraft = { color = false }  # inline\n", "  # inline\n", id="inline-graft"
        ),
        pytest.param(
            "[tool]\ngraft.color = false  # dotted\n",
            "graft.color = false  # dotted\n",
            id="dotted-graft",
        ),
        pytest.param(
            "[tool.graft]\ncolor = false  # mine\npackages.acme_web.kind = 'fork'  # was\n",
            "color = false  # mine\n",
            id="dotted-entry",
        ),
    ],
)
def test_inline_and_dotted_tables(text: str, kept: str) -> None:
    added = set_entry(text, ENTRY)
    assert parse_manifest(added).get("acme_web") == ENTRY
    assert tomlkit.parse(added).unwrap()["tool"]["graft"]["color"] is False
    assert kept in added  # the user's line, as written
    newer = ENTRY.replace(revision="0.2.0")
    assert parse_manifest(set_entry(added, newer)).get("acme_web") == newer


@pytest.mark.parametrize(
    "text", ["[tool]\ngraft = 3\n", "[[tool.graft]]\nx = 1\n", "[tool.graft]\npackages = ['x']\n"]
)
def test_non_tables_on_the_way_are_refused(text: str) -> None:
    with pytest.raises(ManifestError, match="must be a table"):
        set_entry(text, ENTRY)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "class"}, "the table name 'class' is not a Python identifier"),
        ({"package": "vial..x"}, "'package' 'vial..x' is not a dotted Python name"),
        ({"path": "../outside"}, "'path' '../outside' is not a plain relative path"),
        ({"script": "-rm"}, "'script' '-rm' is not a console script name"),
        (
            {"kind": "patch", "package": "flask_login", "maps": ("flask=acme_web",)},
            "a patched extension keeps its name, but 'package' is 'flask_login'",
        ),
        ({"maps": ("vial",)}, "'maps' entry 'vial' is not OLD=NEW with dotted Python names"),
        ({"maps": ("vial=vial",)}, "'maps' entry 'vial=vial' is not OLD=NEW"),
        (
            {"maps": ("vial=acme_web", "vial.json=json")},
            "'maps' entry 'vial.json=json' points vial.json at the standard-library module json",
        ),
        (
            {"maps": ("vial=acme_web", "vial.cli=other_pkg.cli")},
            "'maps' entry 'vial.cli=other_pkg.cli' sends vial.cli, a module of the fork, out of it"
            " to other_pkg",
        ),
        ({"maps": ()}, "'maps' must rename vial to acme_web \\(the fork\\), found no map of it"),
        ({"maps": ("vial=acme2",)}, "found vial=acme2"),
        (
            {
                "kind": "patch",
                "name": "flask_login",
                "package": "flask_login",
                "path": "flask_login",
                "maps": ("flask_login=x_login",),
            },
            "'maps' renames the patched extension itself \\(flask_login=x_login\\)",
        ),
        ({"snapshot": "B" * 40}, "'snapshot' 'BBBB.*' is not a git object id"),
        ({"source_kind": "git", "revision": "v1.0"}, "'revision' 'v1.0' is not a git object id"),
        ({"source": "--upload-pack=evil"}, "'source' '--upload-pack=evil' is not a source graft"),
        ({"ref": "main\nx"}, "'ref' 'main\\\\nx' is not a source graft can read"),
    ],
)
def test_entries_graft_could_not_have_written_are_refused(
    changes: dict[str, t.Any], message: str
) -> None:
    entry = dataclasses.replace(ENTRY, **changes)
    with pytest.raises(ManifestError, match=message) as info:
        entry.validate()
    text = info.value.format_message()
    assert text.startswith(f"[tool.graft.packages.{entry.name}] in pyproject.toml: ")
    assert "restore the entry from git history" in text + str(info.value.hint or "")


def test_a_valid_patch_entry_and_a_git_source_pass() -> None:
    dataclasses.replace(
        ENTRY,
        kind="patch",
        name="flask_login",
        package="flask_login",
        path="ext/flask_login",
        maps=("flask=acme_web",),
    ).validate()
    dataclasses.replace(ENTRY, source_kind="git", revision="d" * 64, ref="v1.0").validate()


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("", "is the repository root, not a directory in it"),
        ("./", "is the repository root, not a directory in it"),
        ("/abs/fork", "is not a relative posix path"),
        ("src\\fork", "is not a relative posix path"),
        ("C:fork", "is not a relative posix path"),
        ("src//fork", "is not a plain relative path (empty, '.' or '..' parts)"),
        ("src/./fork", "is not a plain relative path (empty, '.' or '..' parts)"),
        ("src/.GIT/hooks", "is inside .git"),
        ("src/fo\nrk", "holds a control character"),
        ("src/fork", None),
    ],
)
def test_path_problem(path: str, problem: str | None) -> None:
    assert path_problem(path) == problem


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('source-kind = "bundled"', 'source-kind = "ftp"', "'source-kind' must be one of"),
        ('source = "vial"', "source = 3", "'source' must be a string"),
    ],
)
def test_invalid_values_in_the_file(old: str, new: str, message: str) -> None:
    text = set_entry("", ENTRY)
    assert old in text
    with pytest.raises(ManifestError, match=message):
        parse_manifest(text.replace(old, new))


def test_set_console_script_keeps_the_file_as_written() -> None:
    from graft.manifest import set_console_script

    text = '[project]\nname = "app"  # mine\n\n[tool.black]\nline-length = 99\n'
    added = set_console_script(text, "serve", "app.cli:main")
    assert tomlkit.parse(added)["project"]["scripts"]["serve"] == "app.cli:main"
    assert added.startswith('[project]\nname = "app"  # mine\n')
    assert added.endswith("[tool.black]\nline-length = 99\n")
    # The same script again changes nothing; a second one joins the table.
    assert set_console_script(added, "serve", "app.cli:main") == added
    both = set_console_script(added, "admin", "app.cli:admin")
    assert dict(tomlkit.parse(both)["project"]["scripts"]) == {
        "serve": "app.cli:main",
        "admin": "app.cli:admin",
    }
    inline = set_console_script(
        '[project]\nname = "app"\nscripts = { serve = "app.cli:main" }\n', "admin", "app.cli:admin"
    )
    assert dict(tomlkit.parse(inline)["project"]["scripts"]) == {
        "serve": "app.cli:main",
        "admin": "app.cli:admin",
    }
    assert inline.startswith('[project]\nname = "app"\nscripts = { serve = "app.cli:main",')
    # CRLF files stay CRLF.
    crlf = set_console_script('[project]\r\nname = "app"\r\n', "serve", "app.cli:main")
    assert "\r\n" in crlf and "\n" not in crlf.replace("\r\n", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.x]\ny = 1\n", "pyproject.toml has no \\[project\\] table"),
        ('[project]\nscripts = "app"\n', "\\[project.scripts\\] in pyproject.toml is not a table"),
        (
            '[project.scripts]\nserve = "other:main"\n',
            "\\[project.scripts\\] already has serve = 'other:main'",
        ),
    ],
)
def test_set_console_script_refusals(text: str, message: str) -> None:
    from graft.manifest import set_console_script

    with pytest.raises(ManifestError, match=message):
        set_console_script(text, "serve", "app.cli:main")
