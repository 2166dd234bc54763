"""Rewrite worker processes never outlive graft, however graft ends.

``graft fork`` of a package with enough files rewrites them in a process pool. The
test waits until the pool's workers run, ends graft (SIGKILL: no handler, no
cleanup; SIGTERM; Ctrl-C to its process group), and requires every worker to be gone
within a few seconds. Takes about 10-15 seconds (one fork of 240 generated modules,
started three times).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from faultkit import (
    assert_no_traceback,
    commit_all,
    finish,
    init_repo,
    is_alive,
    kill,
    python_children,
    repo_state,
    start_graft,
    wait_until,
    write_tree,
)

MODULE = """\
from __future__ import annotations

import os
import pkgx
from pkgx import helpers
from pkgx.core import {name} as _{name}

__all__ = ["{name}"]

"""
FUNCTION = """\
def {name}_{i}(value: int) -> int:
    '''Calls into pkgx.core, the way a real module would.'''
    result = pkgx.core.compute(value, {i})
    if result > {i}:
        return helpers.clamp(result, pkgx.LIMIT)
    return _{name}(result) + len(os.sep)

"""


def many_modules(root: Path, count: int = 240, functions: int = 40) -> Path:
    """A package ``pkgx`` of ``count`` modules that all import it (so each is rewritten)."""
    files: dict[str, str] = {
        "pkgx/__init__.py": "LIMIT = 10\nfrom . import core, helpers\n",
        "pkgx/core.py": "def compute(a, b):\n    return a + b\n",
        "pkgx/helpers.py": "def clamp(a, b):\n    return min(a, b)\n",
    }
    for n in range(count):
        name = f"mod{n}"
        body = MODULE.format(name=name) + "".join(
            FUNCTION.format(name=name, i=i) for i in range(functions)
        )
        files[f"pkgx/{name}.py"] = body
    write_tree(root, files)
    return root / "pkgx"


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="one CPU: graft rewrites in-process, there is no pool"
)
@pytest.mark.parametrize(
    ("sig", "to_group", "returncode"),
    [
        pytest.param(signal.SIGKILL, False, -signal.SIGKILL, id="SIGKILL"),
        pytest.param(signal.SIGTERM, False, -signal.SIGTERM, id="SIGTERM"),
        # Ctrl-C in a terminal reaches the whole process group: graft and its workers,
        # and graft stops quietly with 130.
        pytest.param(signal.SIGINT, True, 130, id="ctrl-c"),
    ],
)
def test_ended_fork_leaves_no_worker_behind(
    tmp_path: Path, sig: signal.Signals, to_group: bool, returncode: int
) -> None:
    source = many_modules(tmp_path / "upstream")
    app = init_repo(tmp_path / "app")
    write_tree(app, {"app.py": "print('hi')\n"})
    commit_all(app, "the app")
    before = repo_state(app)
    proc = start_graft(app, "fork", os.fspath(source), "newx")
    seen: set[int] = set()

    def pool_running() -> bool:
        seen.update(python_children(proc.pid))
        return len(seen) >= 2 or proc.poll() is not None

    assert wait_until(pool_running, timeout=60), "graft never started its rewrite workers"
    assert proc.poll() is None, "the fork finished before it could be killed; make it bigger"
    workers = set(seen)
    if to_group:
        os.killpg(proc.pid, sig)
    else:
        kill(proc.pid, sig)
    run = finish(proc, timeout=60)
    try:
        assert run.returncode == returncode, run.describe()
        assert_no_traceback(run)
        assert wait_until(lambda: not any(is_alive(pid) for pid in workers), timeout=5), [
            pid for pid in workers if is_alive(pid)
        ]
    finally:
        for pid in workers:  # so that a failure leaves nothing running either
            kill(pid)
    # Ended during planning: nothing was written.
    assert repo_state(app) == before
