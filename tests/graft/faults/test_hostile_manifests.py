"""A manifest edited by someone else (a pull request) is checked before graft acts on it.

Each case commits a tampered ``[tool.graft.packages.teabag]`` and runs ``graft sync``
and ``graft status`` as real processes: one ``Error:`` line naming the key and what to
do, exit 1, no traceback, nothing changed. About 30 seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faultkit import (
    TEMPLATES,
    assert_no_traceback,
    build_forked,
    commit_all,
    graft,
    repo_state,
)


def tamper(app: Path, old: str, new: str) -> None:
    path = app / "pyproject.toml"
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new, 1))
    commit_all(app, "a pull request edits the manifest")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        pytest.param('"kettle=teabag"', '"kettle=os"', "'maps'", id="maps-to-stdlib"),
        pytest.param(
            '"kettle=teabag"',
            '"kettle=teabag", "spout=teabag.spout"',
            None,
            id="harmless-extra-map",
        ),
        pytest.param(
            '"kettle=teabag"',
            '"kettle=teabag", "kettle.core=os.path"',
            "'maps'",
            id="submap-to-stdlib",
        ),
        pytest.param(
            '"kettle=teabag"',
            '"kettle=teabag", "kettle.core=click"',
            "'maps'",
            id="submap-to-installed",
        ),
        pytest.param('"kettle=teabag"', '"kettle=acme"', "'maps'", id="maps-to-other-name"),
        pytest.param('path = "teabag"', 'path = "../outside"', "'path'", id="path-outside"),
        pytest.param('path = "teabag"', 'path = ".git/hooks"', "'path'", id="path-in-git-dir"),
        pytest.param('path = "teabag"', 'path = "/tmp/teabag"', "'path'", id="path-absolute"),
        pytest.param(
            'source = "../upstream"',
            'source = "--upload-pack=touch pwned"',
            "'source'",
            id="source-option",
        ),
        pytest.param('kind = "fork"', 'kind = "patch"', "patched extension", id="kind-patch"),
    ],
)
def test_tampered_manifest_is_refused(tmp_path: Path, old: str, new: str, key: str | None) -> None:
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    tamper(app, old, new)
    before = repo_state(app)
    for args in (("sync", "--ref", "v2.0"), ("status",)):
        run = graft(app, *args)
        assert_no_traceback(run)
        if key is None:  # an extra map into the fork itself is fine
            assert run.returncode == 0, run.describe()
            continue
        assert run.returncode == 1, run.describe()
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), run.describe()
        assert "[tool.graft.packages.teabag]" in lines[0] and key in lines[0], lines[0]
        assert "git log -p pyproject.toml" in lines[0]
        assert repo_state(app) == before
    assert not (tmp_path / "app" / "pwned").exists()


def test_a_fork_named_like_a_standard_library_module_is_refused(tmp_path: Path) -> None:
    """The fork's table renamed to ``json``: Python finds the standard library's first.

    (A name an installed distribution also provides is a warning, not a refusal.)
    """
    name, said = "json", "standard-library module"
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    path = app / "pyproject.toml"
    text = path.read_text().replace("[tool.graft.packages.teabag]", f"[tool.graft.packages.{name}]")
    path.write_text(text.replace('"kettle=teabag"', f'"kettle={name}"'))
    commit_all(app, "a pull request renames the fork")
    before = repo_state(app)
    for args in (("sync", "--ref", "v2.0"), ("status",)):
        run = graft(app, *args)
        assert_no_traceback(run)
        assert run.returncode == 1, run.describe()
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), run.describe()
        assert f"[tool.graft.packages.{name}]" in lines[0] and said in lines[0], lines[0]
        assert repo_state(app) == before
