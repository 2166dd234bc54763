"""The [tool.graft.packages] table: round trips that keep the user's formatting."""

from __future__ import annotations

import pytest

from graft.errors import ManifestError
from graft.manifest import Entry, parse_manifest, remove_entry, set_entry

ENTRY = Entry(
    name="acme_web", kind="fork", source="vial", source_kind="bundled", package="vial",
    path="acme_web", maps=("vial=acme_web",), revision="0.1.0", upstream_tree="a" * 40,
    fingerprint="sha256:f", snapshot="b" * 40, snapshot_tree="c" * 40, graft_version="0.1.0",
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
    patch = ENTRY.replace(name="flask_login", kind="patch", package="flask_login",
                          path="flask_login", maps=("flask=myflask",))
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
