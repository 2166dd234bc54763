"""Killing graft after each of its git commands, for every one: never a half-done repository.

The git on graft's PATH counts calls and, after call N has finished, sends SIGKILL or
SIGINT (Ctrl-C) to graft before graft sees the result, for every N of the command's
run. The oracle is a reference run of the same command: afterwards the repository
must be exactly as before or exactly as after that run (up to commit dates).

* SIGINT: graft itself leaves the state before (exit 130) or the completed result
  (the command's own exit code), with no traceback.
* SIGKILL: no handler runs. Running the command again must first find the unfinished
  operation and restore or complete it, saying so, then do its work: the state after
  it is the reference result (or the command says the work is already done).

Every case ends with ``git fsck`` clean and no lock or stopped merge left unless the
command's result is a merge stopped on conflicts. Scenarios: ``graft fork``, a clean
``graft sync``, a ``graft sync`` that stops on conflicts, and ``graft sync --continue``.
Before graft's first write every case leaves the same repository, so the next command
is run after the first and the last of those calls only. Slow: about 180 cases (some 250
graft runs), two at a time: 2.5 minutes on the shared 2-core machine at a load of 3
(180 CPU-seconds).
"""

from __future__ import annotations

import signal
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from faultkit import (
    TEMPLATES,
    GitCounter,
    assert_fsck_clean,
    build_conflicting,
    build_forked,
    build_stopped,
    build_unforked,
    difference,
    finish,
    graft,
    signature,
    start_graft,
)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Scenario:
    name: str
    template: str
    build: t.Callable[[Path], None]
    args: tuple[str, ...]
    returncode: int
    """The exit code of an undisturbed run."""


SCENARIOS = [
    Scenario(
        "fork", "unforked", build_unforked, ("fork", "../upstream", "teabag", "--ref", "v1.0"), 0
    ),
    Scenario("sync", "forked", build_forked, ("sync", "--ref", "v2.0"), 0),
    # (Its reads before the merge are the clean sync's: only the calls from the first write.)
    Scenario("sync-conflicts", "conflicting", build_conflicting, ("sync", "--ref", "v2.0"), 3),
    Scenario("continue", "stopped", build_stopped, ("sync", "--continue"), 0),
]


DONE = {
    "fork": "is already recorded",
    "continue": "no graft sync is in progress",
    "sync-conflicts": "is in progress",
}
"""What running a scenario's command again says once its work is done (exit 1)."""


@dataclass(frozen=True)
class Reference:
    calls: int
    before: dict[str, t.Any]
    after: dict[str, t.Any]
    first_write: int
    """The first git call that writes anything (objects, refs, index, work tree, config)."""


WRITERS = {
    "fast-import",
    "mktree",
    "commit-tree",
    "hash-object",
    "update-index",
    "update-ref",
    "read-tree",
    "merge",
    "add",
    "rm",
    "commit",
    "reset",
    "checkout",
}
"""git commands that write (``config`` only with ``--local``: ``--get`` reads)."""


def first_write(log: t.Sequence[str]) -> int:
    for line in log:
        number, _, command = line.partition(" ")
        words = command.split()
        while words[:1] == ["-c"]:  # git's own options: -c NAME=VALUE, --no-optional-locks
            words = words[2:]
        words = [w for w in words if w != "--no-optional-locks"]
        if words[0] in WRITERS or words[:2] == ["config", "--local"]:
            return int(number)
    return len(log) + 1


_REFERENCES: dict[str, Reference] = {}


def reference(scenario: Scenario, where: Path) -> Reference:
    """One undisturbed run: how many git commands it makes, and the states around it."""
    if scenario.name not in _REFERENCES:
        app = TEMPLATES.get(scenario.template, scenario.build, where)
        counter = GitCounter(where / "fault")
        before = signature(app)
        run = graft(app, *scenario.args, env=counter.env())
        assert run.returncode == scenario.returncode, run.describe()
        _REFERENCES[scenario.name] = Reference(
            counter.calls, before, signature(app), first_write(counter.log)
        )
    return _REFERENCES[scenario.name]


def outcome(app: Path, ref: Reference) -> str:
    now = signature(app)
    if now == ref.before:
        return "before"
    if now == ref.after:
        return "after"
    return (
        "neither: vs before: "
        + difference(now, ref.before)
        + " | vs after: "
        + difference(now, ref.after)
    )


def no_leftovers(app: Path, killed: int | None = None) -> str | None:
    """What a case left that it should not; ``killed``: the pid of a graft killed last."""
    git_dir = app / ".git"
    lock = git_dir / "graft.lock"
    if lock.exists():
        # The lock file of a graft killed by SIGKILL stays until the next command takes
        # the lock over; any other is left behind.
        if killed is None or f'"pid": {killed},' not in lock.read_text():
            return "graft.lock left behind"
    if (git_dir / "index.lock").exists():
        return "index.lock left behind"
    try:
        assert_fsck_clean(app)
    except AssertionError as exc:
        return f"git fsck: {exc}"
    return None


def one_case(scenario: Scenario, ref: Reference, where: Path, at: int, sig: signal.Signals) -> str:
    """Run the scenario with ``sig`` after git call ``at``; "" if all is well, else what is wrong."""
    app = TEMPLATES.get(scenario.template, scenario.build, where)
    counter = GitCounter(where / "fault")
    env = counter.env(at, sig)
    if sig == signal.SIGKILL:
        # A killed process writes no coverage data, so measuring it (when CI measures the
        # subprocesses) only slows the ~150 killed runs; the recovering rerun is measured.
        env.update(COVERAGE_PROCESS_START="", COVERAGE_PROCESS_CONFIG="")
    started = start_graft(app, *scenario.args, env=env)
    run = finish(started)
    problems: list[str] = []
    killed = None
    if "Traceback" in run.stdout + run.stderr:
        problems.append("traceback: " + run.stderr[-600:])
    # Before graft writes anything, every case leaves the same repository: the next
    # command's run is checked after the first and the last of those calls only.
    rerun = at >= ref.first_write - 1 or at == 1
    if sig == signal.SIGKILL and not rerun:
        if run.returncode != -signal.SIGKILL:
            problems.append(f"not killed (exit {run.returncode})")
        if (app / ".git" / "graft" / "operation.json").exists():
            problems.append("an operation was recorded before graft's first write")
        if outcome(app, ref) != "before":
            problems.append("killed before its first write, but the repository changed")
        killed = started.pid
    elif sig == signal.SIGKILL:
        if run.returncode != -signal.SIGKILL:
            problems.append(f"not killed (exit {run.returncode})")
        # The next graft command (the same one, run again) first finds what the killed one
        # left, restores or completes it and says so, then does its own work.
        unfinished = (app / ".git" / "graft" / "operation.json").exists()
        again = graft(app, *scenario.args)
        if "Traceback" in again.stdout + again.stderr:
            problems.append("traceback in the next command: " + again.stderr[-600:])
        said = "was interrupted" in again.stderr
        if unfinished and not said:
            problems.append("the next command did not say it recovered the killed one")
        state = outcome(app, ref)
        if state != "after":
            problems.append(f"after the next run: {state}")
        # When the killed command had completed (the recovery said so, or it was killed
        # after its last record), running it again finds the work done.
        done = DONE.get(scenario.name, "")
        redundant = again.returncode == 1 and done and done in again.stderr
        if again.returncode != scenario.returncode and not redundant:
            problems.append(f"the next run exited {again.returncode}: {again.stderr.strip()}")
    else:
        if run.returncode not in (130, scenario.returncode):
            problems.append(f"exit {run.returncode}, expected 130 or {scenario.returncode}")
        state = outcome(app, ref)
        if state.startswith("neither"):
            problems.append(state)
        elif run.returncode == 130 and state != "before":
            problems.append("exit 130 but the command's result is in place")
        elif run.returncode != 130 and state != "after":
            problems.append(f"exit {run.returncode} but the repository is as before")
        if state == "before" and not problems and rerun:
            again = graft(app, *scenario.args)
            if again.returncode != scenario.returncode:
                problems.append(f"the rerun exited {again.returncode}: {again.stderr.strip()}")
            elif outcome(app, ref) != "after":
                problems.append("the rerun did not give the reference result")
    left = no_leftovers(app, killed)
    if left:
        problems.append(left)
    if problems:
        tail = " ".join(counter.log[at - 1 : at]) if counter.log else "?"
        return f"{sig.name} after git call {at} ({tail}): " + "; ".join(problems)
    return ""


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_kill_after_every_git_call(scenario: Scenario, tmp_path: Path) -> None:
    ref = reference(scenario, tmp_path / "reference")
    assert ref.calls > 5, ref
    start = ref.first_write if scenario.name == "sync-conflicts" else 1
    cases = [
        (at, sig) for at in range(start, ref.calls + 1) for sig in (signal.SIGKILL, signal.SIGINT)
    ]
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda case: one_case(
                    scenario, ref, tmp_path / f"{case[1].name}-{case[0]}", case[0], case[1]
                ),
                cases,
            )
        )
    failures = [r for r in results if r]
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
