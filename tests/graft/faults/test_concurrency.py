"""Two and three graft commands at once on one repository, as real processes.

A user double-clicks a task, an editor hook and a terminal run ``graft sync`` together.
Each run starts two or three identical ``graft sync`` (or ``graft fork``) processes at
the same moment, 20 runs per case, and requires: exactly one of them does the work;
the others fail at once with one line naming the holder of the lock (exit 1), or find
the work done (``already up to date``, exit 0; ``already recorded``, exit 1); the
repository ends exactly as after one undisturbed run; every commit a process reported
is on the branch; ``git fsck`` is clean; no traceback. Slow: 80 races, two at a time,
about 80 seconds on the shared 2-core machine at a load of 3.
"""

from __future__ import annotations

import re
import typing as t
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from faultkit import (
    TEMPLATES,
    Run,
    assert_consistent,
    build_forked,
    build_unforked,
    difference,
    finish,
    git,
    graft,
    is_ancestor,
    signature,
    start_graft,
)

pytestmark = pytest.mark.slow

RUNS = 20
LOCKED = re.compile(
    r"^Error: the repository is locked by graft (sync|fork)( teabag)? "
    r"\(pid \d+ on [^,]+, since [0-9T:+-]+\)\. Wait for it to finish"
)
CASES = {
    "sync": ("forked", build_forked, ("sync", "--ref", "v2.0")),
    "fork": ("unforked", build_unforked, ("fork", "../upstream", "teabag", "--ref", "v1.0")),
}
_AFTER: dict[str, dict[str, t.Any]] = {}


def after_state(kind: str, where: Path) -> dict[str, t.Any]:
    """The repository after one undisturbed run of the command."""
    if kind not in _AFTER:
        template, build, args = CASES[kind]
        app = TEMPLATES.get(template, build, where)
        run = graft(app, *args)
        assert run.returncode == 0, run.describe()
        _AFTER[kind] = signature(app)
    return _AFTER[kind]


def race(app: Path, args: t.Sequence[str], count: int) -> list[Run]:
    procs = [start_graft(app, *args) for _ in range(count)]
    return [finish(proc) for proc in procs]


def judge(kind: str, runs: list[Run], app: Path) -> list[str]:
    problems = []
    winners = 0
    for run in runs:
        if "Traceback" in run.stdout + run.stderr:
            problems.append("traceback: " + run.stderr[-500:])
            continue
        lines = run.stderr.strip().splitlines()
        if run.returncode == 0 and ("Merged" in run.stdout or "Forked" in run.stdout):
            winners += 1
            # No commit a process reported may be lost (moved away by another's rollback).
            for short in re.findall(r"commit ([0-9a-f]{10})", run.stdout):
                full = git(app, "rev-parse", "-q", "--verify", f"{short}^{{commit}}", check=False)
                if not full.strip():
                    problems.append(f"reported commit {short} does not exist")
                elif not is_ancestor(app, full.strip(), "HEAD"):
                    problems.append(f"reported commit {short} is not on the branch")
        elif run.returncode == 0 and "already up to date" in run.stdout:
            continue
        elif run.returncode == 1 and len(lines) == 1 and LOCKED.match(lines[0]):
            continue
        elif run.returncode == 1 and len(lines) == 1 and "already recorded" in lines[0]:
            continue
        elif run.returncode == 1 and len(lines) == 1 and "already exists" in lines[0]:
            continue
        else:
            problems.append(run.describe())
    if winners != 1:
        problems.append(f"{winners} processes did the {kind}")
    return problems


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("kind", ["sync", "fork"])
def test_concurrent_commands(kind: str, count: int, tmp_path: Path) -> None:
    after = after_state(kind, tmp_path / "reference")
    template, build, args = CASES[kind]

    def one_run(i: int) -> str:
        app = TEMPLATES.get(template, build, tmp_path / f"run{i}")
        runs = race(app, args, count)
        problems = judge(kind, runs, app)
        now = signature(app)
        if now != after:
            problems.append("not the state of one run: " + difference(now, after))
        try:
            assert_consistent(app)
        except AssertionError as exc:
            problems.append(str(exc))
        return f"run {i}: " + " | ".join(problems) if problems else ""

    # Two races at a time, each in its own repository: the processes of one race fight
    # over their lock only, and the machine's two cores are both used.
    with ThreadPoolExecutor(2) as pool:
        failures = [r for r in pool.map(one_run, range(RUNS)) if r]
    assert not failures, "\n".join(failures)
