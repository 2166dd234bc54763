"""``rewrite_items``: the tree walker's treatment of files, for bytes held in memory.

``graft sync`` reads upstreams from git; it hands the bytes to the rewriter instead
of writing a scratch tree, so the in-memory entry point must give what
:func:`rewrite_tree` gives for the same files, item for item.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graft.rewrite import FileResult, Renames, RewriteOptions, rewrite_items, rewrite_tree

RENAMES = Renames.parse(["kettle=brew"])

FILES: dict[str, bytes] = {
    "kettle/__init__.py": b'"""Kettle."""\nfrom kettle.core import boil\n',
    "kettle/core.py": b"import kettle.util\n\n\ndef boil():\n    return kettle.util.heat()\n",
    "kettle/util.py": b"def heat():\n    return 100\n",  # never names the package
    "kettle/stub.pyi": b"from kettle.core import boil as boil\n",
    "kettle/latin.py": "# -*- coding: latin-1 -*-\nimport kettle  # café\n".encode("latin-1"),
    "kettle/strings.py": b'NAME = "kettle.core"\nSETTINGS = ["kettle.util"]\n',
    "kettle/broken.py": b"import kettle\ndef (:\n",
    "kettle/settings.toml": b'[tool]\nname = "Kettle"\n',
    "kettle/speedups.so": b"\x7fELF kettle",
    "kettle/README.txt": b"kettle is a kettle\n",
    "kettle/templates/page.html": b"<p>{{ kettle }}</p>\n",
}


def _by_name(results: list[FileResult], root: Path | None = None) -> dict[str, FileResult]:
    named = {}
    for result in results:
        path = result.path.relative_to(root) if root is not None else result.path
        named[path.as_posix()] = result
    return named


def _same(item: FileResult, walked: FileResult, root: Path) -> None:
    assert item.status == walked.status
    assert item.old_bytes == walked.old_bytes
    assert item.new_bytes == walked.new_bytes
    assert [(f.line, f.kind, f.message) for f in item.findings] == [
        (f.line, f.kind, f.message) for f in walked.findings
    ]
    assert [Path(f.path) for f in item.findings] == [
        Path(f.path).relative_to(root) for f in walked.findings
    ]
    if walked.error is not None:
        assert item.error == walked.error.replace(f"{root}/", "")


@pytest.mark.parametrize(
    "options", [RewriteOptions(), RewriteOptions(unknown_strings="rename-known")]
)
def test_items_match_the_tree_walker(tmp_path: Path, options: RewriteOptions) -> None:
    for rel, data in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    walked = _by_name(
        list(rewrite_tree([tmp_path], RENAMES, write=False, options=options).files), tmp_path
    )
    items = rewrite_items(FILES.items(), RENAMES, options=options)

    assert [r.path.as_posix() for r in items] == list(FILES)  # one result per item, in order
    for result in items:
        name = result.path.as_posix()
        if name in walked:
            _same(result, walked[name], tmp_path)
        else:  # a kind the walker passes over
            assert (result.status, result.findings) == ("unchanged", ())
    named = _by_name(items)
    assert named["kettle/core.py"].new_bytes == (
        b"import brew.util\n\n\ndef boil():\n    return brew.util.heat()\n"
    )
    assert named["kettle/latin.py"].new_bytes == FILES["kettle/latin.py"].replace(
        b"kettle", b"brew"
    )
    assert named["kettle/broken.py"].status == "failed"
    assert named["kettle/broken.py"].error is not None
    assert named["kettle/broken.py"].error.startswith("kettle/broken.py:2")
    assert named["kettle/settings.toml"].findings[0].kind == "file"
    assert named["kettle/speedups.so"].findings[0].kind == "compiled"
    if options.unknown_strings == "rename-known":  # the items' own modules are the known ones
        assert named["kettle/strings.py"].new_bytes == (
            b'NAME = "brew.core"\nSETTINGS = ["brew.util"]\n'
        )


def test_items_never_touch_the_file_system(tmp_path: Path) -> None:
    # The names are only names: nothing exists at them, and nothing is created.
    missing = tmp_path / "nowhere"
    items = [(f"{missing}/{rel}", data) for rel, data in FILES.items()]
    results = rewrite_items(items, RENAMES)
    assert not missing.exists()
    # strings.py too: "kettle.core" is a module among the items, so a module path.
    assert sum(r.status == "changed" for r in results) == 5


def test_parallel_and_serial_agree() -> None:
    # Enough files to go through worker processes, with duplicates and an empty list.
    items = [(f"pkg/m{i:03d}.py", b"import kettle.core as c%d\n" % i) for i in range(60)]
    items.append(items[0])
    serial = rewrite_items(items, RENAMES, jobs=1)
    parallel = rewrite_items(items, RENAMES, jobs=2)
    assert serial == parallel
    assert len(serial) == 61
    assert all(r.new_bytes == b"import brew.core as c%d\n" % (i % 60) for i, r in enumerate(serial))
    assert rewrite_items([], RENAMES) == []


def test_explicit_known_modules() -> None:
    options = RewriteOptions(unknown_strings="rename-known")
    item = [("kettle/strings.py", FILES["kettle/strings.py"])]
    assert rewrite_items(item, RENAMES, options=options)[0].status == "unchanged"
    known = {"kettle.core", "kettle.util"}
    result = rewrite_items(item, RENAMES, options=options, known_modules=known)[0]
    assert result.new_bytes == b'NAME = "brew.core"\nSETTINGS = ["brew.util"]\n'
