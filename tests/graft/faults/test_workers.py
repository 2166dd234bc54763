"""Rewrite worker processes never outlive graft, however graft ends.

``graft fork`` of a package with enough files rewrites them in a process pool. The
test waits until the pool's workers run, kills graft (SIGKILL: no handler, no
cleanup), and requires every worker to be gone within a few seconds. Takes about
5-10 seconds (one fork of 240 generated modules, started twice).
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
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_fork_leaves_no_worker_behind(tmp_path: Path, sig: signal.Signals) -> None:
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
    kill(proc.pid, sig)
    run = finish(proc, timeout=30)
    assert run.returncode == -sig, run.describe()
    try:
        assert wait_until(lambda: not any(is_alive(pid) for pid in workers), timeout=5), [
            pid for pid in workers if is_alive(pid)
        ]
    finally:
        for pid in workers:  # so that a failure leaves nothing running either
            kill(pid)
    # Killed during planning: nothing was written.
    assert repo_state(app) == before


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="one CPU: graft rewrites in-process, there is no pool"
)
def test_ctrl_c_during_the_rewrite_stops_the_pool_quietly(tmp_path: Path) -> None:
    """Ctrl-C in a terminal reaches the whole process group: graft and its workers."""
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

    assert wait_until(pool_running, timeout=60)
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGINT)
    run = finish(proc, timeout=60)
    try:
        assert run.returncode == 130, run.describe()
        assert_no_traceback(run)
        assert wait_until(lambda: not any(is_alive(pid) for pid in seen), timeout=5)
    finally:
        for pid in seen:
            kill(pid)
    assert repo_state(app) == before
