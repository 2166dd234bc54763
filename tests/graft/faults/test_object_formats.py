"""Repositories in git's SHA-256 object format (``git init --object-format=sha256``).

graft writes snapshot objects itself and must name them as the repository does: a
sha256 app forks and syncs from sha1 and sha256 upstreams, a sha1 app from a sha256
upstream, and ``graft check`` can rebuild the snapshot. Real processes, real git;
about 20 seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faultkit import (
    assert_consistent,
    assert_no_traceback,
    git,
    graft,
    local_edits,
    make_app,
    make_kettle,
    parents_of,
)


@pytest.mark.parametrize(
    ("app_format", "upstream_format"),
    [("sha256", "sha1"), ("sha256", "sha256"), ("sha1", "sha256")],
)
def test_fork_and_sync_across_object_formats(
    tmp_path: Path, app_format: str, upstream_format: str
) -> None:
    upstream = make_kettle(tmp_path / "upstream", f"--object-format={upstream_format}")
    app = make_app(tmp_path / "app", f"--object-format={app_format}")
    run = graft(app, "fork", "../upstream", "teabag", "--ref", "v1.0")
    assert run.returncode == 0, run.describe()
    assert_no_traceback(run)
    assert_consistent(app)
    head = git(app, "rev-parse", "HEAD").strip()
    assert len(head) == (64 if app_format == "sha256" else 40)
    snapshot = parents_of(app)[1]
    assert git(app, "log", "-1", "--format=%an", snapshot).strip() == "graft"
    local_edits(app)
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)
    assert "mine" in (app / "teabag" / "core.py").read_text()
    assert "extra" in {p.stem for p in (app / "teabag").iterdir()}
    for args in (("sync",), ("status",), ("check",), ("sync",)):
        run = graft(app, *args)
        assert run.returncode == 0, run.describe()
        assert_no_traceback(run)
    assert upstream.exists()


def test_bundled_fork_in_a_sha256_repository(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app", "--object-format=sha256")
    run = graft(app, "fork", "vial", "acme_web", "-q")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)
    run = graft(app, "sync")
    assert run.returncode == 0 and "up to date" in run.stdout, run.describe()
