"""Repositories and files in states graft did not make: locks, immutable files, submodules.

Each case runs graft as a real process on a real repository and requires one clear
``Error:`` line (git's own reason and a hint that can help), exit codes as documented,
no traceback, the repository as it was, and a rerun that succeeds once the cause is
gone. Immutable files use ``chattr +i`` (sessions and CI run as root, where file modes
do not stop writes); where the file system does not support it, those cases are
skipped with the reason. About 60-90 seconds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from faultkit import (
    TEMPLATES,
    GitCounter,
    assert_consistent,
    assert_no_traceback,
    build_conflicting,
    build_forked,
    build_unforked,
    commit_all,
    git,
    graft,
    graft_env,
    init_repo,
    make_app,
    repo_state,
    write_tree,
)


def one_error_line(run: t.Any) -> str:
    assert_no_traceback(run)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.describe()
    assert "run the command again" not in lines[0].lower(), lines[0]
    return lines[0]


# -- a lock git left behind ---------------------------------------------------------------


def test_stale_index_lock_is_named_and_nothing_starts(tmp_path: Path) -> None:
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    lock = app / ".git" / "index.lock"
    lock.write_bytes(b"")
    before = repo_state(app)
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 1
    line = one_error_line(run)
    assert "index.lock" in line and "delete" in line, line
    assert repo_state(app) == before
    assert not (app / ".git" / "MERGE_HEAD").exists()
    status = graft(app, "status", "--offline")
    assert status.returncode == 0, status.describe()
    assert "--continue" not in status.stdout and "none in progress" in status.stdout
    lock.unlink()
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


def merge_call(app: Path, args: t.Sequence[str], where: Path) -> int:
    """The number of the ``git merge`` call in an undisturbed run of ``args`` (on a copy)."""
    counter = GitCounter(where)
    run = graft(app, *args, env=counter.env())
    assert run.returncode in (0, 3), run.describe()
    return next(int(line.split()[0]) for line in counter.log if " merge --no-ff " in line)


@pytest.mark.parametrize("when", ["before-merge", "after-merge"])
def test_index_lock_appearing_mid_sync(tmp_path: Path, when: str) -> None:
    """Another git process takes the index just before (or just after) graft's merge."""
    probe = TEMPLATES.get("forked", build_forked, tmp_path / "probe")
    at = merge_call(probe, ("sync", "--ref", "v2.0"), tmp_path / "probe-fault")
    at = at - 1 if when == "before-merge" else at
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    before = repo_state(app)
    counter = GitCounter(tmp_path / "fault")
    lock = app / ".git" / "index.lock"
    run = graft(app, "sync", "--ref", "v2.0", env=counter.env(at, run=f"touch '{lock}'"))
    assert run.returncode == 1, run.describe()
    line = one_error_line(run)
    assert "index.lock" in line, line
    lock.unlink()
    # Whatever the lock stopped graft from undoing, the next graft command finishes.
    status = graft(app, "status", "--offline")
    assert status.returncode == 0, status.describe()
    assert_no_traceback(status)
    after = repo_state(app)
    assert after == before, (after["status"], after["markers"])
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


# -- files graft cannot write -------------------------------------------------------------


def chattr(path: Path, flag: str) -> None:
    subprocess.run(["chattr", flag, os.fspath(path)], check=True, capture_output=True)


@pytest.fixture
def immutable(tmp_path: Path) -> t.Iterator[t.Callable[[Path], None]]:
    """Make files immutable (``chattr +i``), and mutable again after the test."""
    probe = tmp_path / "chattr-probe"
    probe.write_text("x")
    proc = subprocess.run(["chattr", "+i", os.fspath(probe)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {proc.stderr.strip() or proc.returncode}")
    chattr(probe, "-i")
    made: list[Path] = []

    def make(path: Path) -> None:
        chattr(path, "+i")
        made.append(path)

    yield make
    for path in made:
        chattr(path, "-i")


def test_immutable_file_in_the_fork(tmp_path: Path, immutable: t.Callable[[Path], None]) -> None:
    """git cannot replace a file upstream changed: the merge stops half-way, graft undoes it."""
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    before = repo_state(app)
    immutable(app / "teabag" / "util.py")
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 1
    line = one_error_line(run)
    assert "teabag/util.py" in line and "chattr -i" in line, line
    assert repo_state(app) == before  # no file of the half-done merge is left
    chattr(app / "teabag" / "util.py", "-i")
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


@pytest.mark.parametrize("command", ["sync", "fork"])
def test_unwritable_manifest(
    tmp_path: Path, immutable: t.Callable[[Path], None], command: str
) -> None:
    if command == "sync":
        app = TEMPLATES.get("forked", build_forked, tmp_path)
        args: tuple[str, ...] = ("sync", "--ref", "v2.0")
    else:
        app = TEMPLATES.get("unforked", build_unforked, tmp_path)
        args = ("fork", "../upstream", "teabag", "--ref", "v1.0")
    before = repo_state(app)
    immutable(app / "pyproject.toml")
    run = graft(app, *args)
    assert run.returncode == 1
    line = one_error_line(run)
    assert "pyproject.toml" in line and "chattr -i" in line, line
    assert repo_state(app) == before
    chattr(app / "pyproject.toml", "-i")
    run = graft(app, *args)
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


# -- other repositories inside this one ---------------------------------------------------


def test_path_into_a_submodule_is_refused(tmp_path: Path) -> None:
    app = TEMPLATES.get("unforked", build_unforked, tmp_path)
    sub = init_repo(tmp_path / "sub")
    write_tree(sub, {"README": "a library\n"})
    commit_all(sub, "sub")
    git(app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", "../sub", "vendor/sub")
    commit_all(app, "add a submodule")
    before = repo_state(app)
    fsck_before = git(app, "ls-tree", "-r", "HEAD", "vendor")
    for path in ("vendor/sub/teabag", "vendor/sub/deeper/teabag"):
        run = graft(app, "fork", "../upstream", "teabag", "--ref", "v1.0", "--path", path)
        assert run.returncode == 1
        line = one_error_line(run)
        assert "vendor/sub" in line and "submodule" in line, line
        assert repo_state(app) == before
    assert git(app, "ls-tree", "-r", "HEAD", "vendor") == fsck_before
    # Beside it is fine.
    run = graft(app, "fork", "../upstream", "teabag", "--ref", "v1.0", "--path", "vendor/teabag")
    assert run.returncode == 0, run.describe()
    assert git(app, "ls-tree", "-r", "HEAD", "vendor/sub") == fsck_before


def test_manifest_path_into_a_submodule_is_refused(tmp_path: Path) -> None:
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    sub = init_repo(tmp_path / "sub")
    write_tree(sub, {"teabag/core.py": "x = 1\n"})
    commit_all(sub, "sub")
    git(app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", "../sub", "vendor/sub")
    text = (app / "pyproject.toml").read_text()
    (app / "pyproject.toml").write_text(
        text.replace('path = "teabag"', 'path = "vendor/sub/teabag"')
    )
    commit_all(app, "a pull request moves the fork into the submodule")
    before = repo_state(app)
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 1
    line = one_error_line(run)
    assert "'path'" in line and "submodule vendor/sub" in line, line
    assert repo_state(app) == before


# -- odd sources and names ----------------------------------------------------------------


def test_directory_source_with_a_stray_git_folder(tmp_path: Path) -> None:
    """An unpacked archive with an empty ``.git`` folder is a directory, not a repository."""
    source = tmp_path / "brew-1.0"
    write_tree(
        source,
        {
            "pyproject.toml": '[project]\nname = "brew"\nversion = "1.0"\n',
            "brew/__init__.py": "from brew.core import steep\n",
            "brew/core.py": "def steep(x):\n    return x\n",
        },
    )
    (source / ".git").mkdir()
    app = make_app(tmp_path / "app")
    run = graft(app, "fork", os.fspath(source), "teabrew")
    assert run.returncode == 0, run.describe()
    assert "from teabrew.core import steep" in (app / "teabrew" / "__init__.py").read_text()
    assert_consistent(app)


def test_non_ascii_fork_name(tmp_path: Path) -> None:
    """``ñame`` is a Python identifier: it forks, imports, and syncs."""
    app = TEMPLATES.get("unforked", build_unforked, tmp_path)
    run = graft(app, "fork", "../upstream", "ñame", "--ref", "v1.0")
    assert run.returncode == 0, run.describe()
    assert (
        "import ñame" in (app / "ñame" / "__init__.py").read_text()
        or "from ñame" in (app / "ñame" / "__init__.py").read_text()
    )
    proc = subprocess.run(
        [sys.executable, "-c", "import ñame, sys; print(ñame.__name__)"],
        cwd=app,
        capture_output=True,
        text=True,
        env=graft_env(),
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ñame", proc.stderr
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


def test_non_utf8_file_name_upstream(tmp_path: Path) -> None:
    """A file name that is not UTF-8 (latin-1 bytes) upstream: a clear line, or a fork."""
    upstream = init_repo(tmp_path / "upstream")
    write_tree(upstream, {"brew/__init__.py": "X = 1\n"})
    (upstream / "brew").joinpath(os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1 name\n")
    commit_all(upstream, "release")
    git(upstream, "tag", "v1.0")
    app = make_app(tmp_path / "app")
    before = repo_state(app)
    run = graft(app, "fork", "../upstream", "teabrew", "--ref", "v1.0")
    assert_no_traceback(run)
    if run.returncode == 0:
        assert (app / "teabrew" / os.fsdecode(b"caf\xe9.txt")).read_bytes() == b"latin-1 name\n"
        assert_consistent(app)
    else:
        assert run.returncode == 1
        line = one_error_line(run)
        assert "caf" in line, line
        assert repo_state(app) == before


# -- the user's own git commands ------------------------------------------------------------


def test_merge_aborted_by_hand_then_status(tmp_path: Path) -> None:
    app = TEMPLATES.get("conflicting", build_conflicting, tmp_path)
    before = repo_state(app)
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 3, run.describe()
    git(app, "merge", "--abort")
    assert repo_state(app) == before
    status = graft(app, "status", "--offline")
    assert status.returncode == 0, status.describe()
    assert "none in progress" in status.stdout, status.stdout
    assert "--continue" not in status.stdout
    cont = graft(app, "sync", "--continue")
    assert cont.returncode == 1 and "no longer in progress" in cont.stderr, cont.describe()
    assert repo_state(app) == before
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 3, run.describe()


def test_continue_refuses_a_merge_that_did_not_happen(tmp_path: Path) -> None:
    """MERGE_HEAD names graft's snapshot but the index is HEAD's: nothing to record."""
    app = TEMPLATES.get("conflicting", build_conflicting, tmp_path)
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 3, run.describe()
    merge_head = (app / ".git" / "MERGE_HEAD").read_text()
    # The merge's changes are gone, git's merge state is not (as when git wrote MERGE_HEAD
    # and then failed to write the index).
    git(app, "reset", "-q", "--hard")
    (app / ".git" / "MERGE_HEAD").write_text(merge_head)
    head = git(app, "rev-parse", "HEAD").strip()
    status = graft(app, "status", "--offline")
    assert "--continue" not in status.stdout and "--abort" in status.stdout, status.stdout
    run = graft(app, "sync", "--continue")
    assert run.returncode == 1
    line = one_error_line(run)
    assert "does not hold that merge" in line and "--abort" in line, line
    assert git(app, "rev-parse", "HEAD").strip() == head
    run = graft(app, "sync", "--abort")
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


# -- size and start-up ------------------------------------------------------------------------


def test_sync_of_400_changed_files_prints_a_summary(tmp_path: Path) -> None:
    upstream = init_repo(tmp_path / "upstream")
    for version in ("1", "2"):
        files = {f"brew/m{i:03}.py": f"VALUE = {version}\n" for i in range(400)}
        files["brew/__init__.py"] = f"VERSION = {version!r}\n"
        write_tree(upstream, files)
        commit_all(upstream, f"release {version}")
        git(upstream, "tag", f"v{version}")
    app = make_app(tmp_path / "app")
    run = graft(app, "fork", "../upstream", "teabrew", "--ref", "v1", "-q")
    assert run.returncode == 0, run.describe()
    run = graft(app, "sync", "--ref", "v2")
    assert run.returncode == 0, run.describe()
    lines = run.stdout.strip().splitlines()
    assert len(lines) < 10, run.stdout
    # 401 files of the package, and the vendored distribution's metadata graft keeps.
    found = re.search(r"upstream: (\d+) file\(s\): \1 changed \(-v lists them\)\.", run.stdout)
    assert found is not None and int(found[1]) >= 401, run.stdout
    git(app, "reset", "-q", "--hard", "HEAD~1")
    run = graft(app, "sync", "--ref", "v2", "-v")
    assert run.returncode == 0, run.describe()
    listed = [line for line in run.stdout.splitlines() if "upstream changed:" in line]
    assert len(listed) == int(found[1])


# What the ``graft`` console script does, with a line once its entry point is imported:
# before that (Python starting, two small modules of graft loading) no code of graft runs
# that could catch the interrupt.
START = (
    "import sys; from graft.__main__ import run; "
    "sys.argv = ['graft', 'status', '--offline']; print('go', flush=True); run()"
)


def _start(app: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", START],
        cwd=app,
        env=graft_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "go"
    return proc


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.4, 0.6, 0.8])
def test_ctrl_c_during_start_up(tmp_path: Path, fraction: float) -> None:
    """Ctrl-C while graft loads its CLI and runs: exit 130 (or 0 once done), no traceback.

    The interrupt lands at a fraction of the time an uninterrupted run takes here, so
    the cases cover loading, parsing and running on a slow machine as on a fast one.
    """
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    started = time.monotonic()
    proc = _start(app)
    full, _ = proc.communicate(timeout=60)
    took = time.monotonic() - started
    assert proc.returncode == 0, full

    proc = _start(app)
    time.sleep(fraction * took)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    if proc.returncode == -signal.SIGINT:
        # Python restores the default handler as it exits: an interrupt that late ends
        # the process as it would any other, after graft said all it had to say.
        assert out == full and not err, (out, err)
    else:
        assert proc.returncode in (0, 130), (proc.returncode, err)


# -- the lock -------------------------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from graft import lock
held = lock.acquire(Path(sys.argv[1]), "graft sync teabag")
print("held", flush=True)
time.sleep(120)
"""


def test_read_only_commands_never_wait_for_the_lock(tmp_path: Path) -> None:
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, os.fspath(app / ".git")],
        env=graft_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = repo_state(app)
        for args in (("status", "--offline"), ("diff",), ("sync", "--dry-run", "--ref", "v2.0")):
            started = time.monotonic()
            run = graft(app, *args)
            assert run.returncode == 0, run.describe()
            assert time.monotonic() - started < 30
        for args in (("sync", "--ref", "v2.0"), ("sync", "--abort")):
            run = graft(app, *args)
            assert run.returncode == 1
            line = one_error_line(run)
            assert f"locked by graft sync teabag (pid {holder.pid} on " in line, line
        assert repo_state(app) == before
    finally:
        holder.kill()
        holder.communicate()
    run = graft(app, "sync", "--ref", "v2.0")  # the holder is gone: its lock is taken over
    assert run.returncode == 0, run.describe()
    assert_consistent(app)


def test_a_lock_left_from_another_host_is_refused_with_the_way_to_break_it(
    tmp_path: Path,
) -> None:
    app = TEMPLATES.get("forked", build_forked, tmp_path)
    lock_file = app / ".git" / "graft.lock"
    lock_file.write_text(
        '{"command": "graft sync teabag", "host": "build-7.example", "pid": 4242, '
        '"since": "2025-05-01T10:00:00+00:00"}\n'
    )
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 1
    line = one_error_line(run)
    assert "pid 4242 on build-7.example" in line and f"delete {lock_file}" in line, line
    status = graft(app, "status", "--offline")
    assert status.returncode == 0, status.describe()
    lock_file.unlink()
    run = graft(app, "sync", "--ref", "v2.0")
    assert run.returncode == 0, run.describe()
