"""Tools for the fault-injection suite: graft as real processes, a git that counts, /proc.

Everything here drives the command line as a user's shell would (``python -m graft``
in a subprocess), so a SIGKILL really leaves no handler running and two graft
processes really race. The git on PATH of those processes is :class:`GitCounter`'s
wrapper, which runs the real git and, after its Nth call, sends a signal to the graft
process that called it. The test's own git commands use the real binary directly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

REAL_GIT = shutil.which("git") or "git"
SRC = Path(__file__).resolve().parents[3] / "src"
PYCACHE = Path(tempfile.gettempdir()) / "graft-faults-pycache"


@dataclass(frozen=True)
class Run:
    """One finished graft process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"graft {' '.join(self.args)} exited {self.returncode}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


def graft_env(extra: t.Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a graft process: the test's (isolated git config) plus ``extra``."""
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    # Installed, graft runs from compiled modules; without writing them, each of the
    # hundreds of processes here would compile graft anew. They go to a cache of their
    # own, never into the apps (a __pycache__ there would be an untracked file).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.fspath(PYCACHE)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.fspath(SRC), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def graft(
    cwd: Path, *args: str, env: t.Mapping[str, str] | None = None, timeout: float = 120
) -> Run:
    """Run ``python -m graft ARGS`` in ``cwd`` to completion."""
    proc = subprocess.run(
        [sys.executable, "-m", "graft", *args],
        cwd=cwd,
        env=graft_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(tuple(args), proc.returncode, proc.stdout, proc.stderr)


class Started(subprocess.Popen[bytes]):
    """A graft process started by :func:`start_graft`; its output goes to files.

    Files, not pipes: a worker process that outlived a killed graft would hold a pipe
    open and make reading it hang.
    """

    args_given: tuple[str, ...] = ()
    out_path: Path
    err_path: Path


def start_graft(cwd: Path, *args: str, env: t.Mapping[str, str] | None = None) -> Started:
    """Start ``python -m graft ARGS`` in its own session (a signal to it reaches no one else)."""
    out_fd, out_name = tempfile.mkstemp(prefix="graft-out-")
    err_fd, err_name = tempfile.mkstemp(prefix="graft-err-")
    try:
        proc = Started(
            [sys.executable, "-m", "graft", *args],
            cwd=cwd,
            env=graft_env(env),
            stdin=subprocess.DEVNULL,
            stdout=out_fd,
            stderr=err_fd,
            start_new_session=True,
        )
    finally:
        os.close(out_fd)
        os.close(err_fd)
    proc.args_given = tuple(args)
    proc.out_path, proc.err_path = Path(out_name), Path(err_name)
    return proc


def finish(proc: Started, timeout: float = 120) -> Run:
    """Wait for a started graft; its exit status and output."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    try:
        out = proc.out_path.read_text(errors="replace")
        err = proc.err_path.read_text(errors="replace")
    finally:
        proc.out_path.unlink(missing_ok=True)
        proc.err_path.unlink(missing_ok=True)
    return Run(proc.args_given, proc.returncode, out, err)


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.describe()


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """The real git (not the counting wrapper), for the test's own look at a repository."""
    proc = subprocess.run([REAL_GIT, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}{proc.stdout}")
    return proc.stdout


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    proc = subprocess.run(
        [REAL_GIT, "merge-base", "--is-ancestor", ancestor, descendant],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def assert_fsck_clean(repo: Path) -> None:
    """``git fsck --strict`` finds nothing wrong (dangling objects are not errors)."""
    proc = subprocess.run(
        [REAL_GIT, "fsck", "--strict", "--no-progress", "--no-dangling"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


_WRAPPER = """\
#!/bin/sh
# Counts git calls; after call number $GRAFT_FAULT_AT has finished, sends
# $GRAFT_FAULT_SIGNAL to the process that ran it (graft), before graft sees the result.
count_file="$GRAFT_FAULT_DIR/count"
n=0
[ -f "$count_file" ] && read -r n < "$count_file"
n=$(( n + 1 ))
echo "$n" > "$count_file"
echo "$n $*" >> "$GRAFT_FAULT_DIR/log"
"{real}" "$@"
status=$?
if [ "$n" = "${{GRAFT_FAULT_AT:-0}}" ]; then
  if [ -n "$GRAFT_FAULT_RUN" ]; then
    sh -c "$GRAFT_FAULT_RUN"
  else
    kill -"$GRAFT_FAULT_SIGNAL" "$PPID"
  fi
fi
exit $status
"""


class GitCounter:
    """A ``git`` first on PATH that counts calls and can signal graft after the Nth one."""

    def __init__(self, where: Path) -> None:
        self.dir = where
        self.bin = where / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        wrapper = self.bin / "git"
        wrapper.write_text(_WRAPPER.format(real=REAL_GIT))
        wrapper.chmod(0o755)

    def env(
        self, at: int = 0, sig: signal.Signals = signal.SIGKILL, run: str = ""
    ) -> dict[str, str]:
        """The environment for one graft run: counting from zero, signalling after call ``at``.

        With ``run``, that shell command runs after call ``at`` instead of the signal.
        """
        for name in ("count", "log"):
            (self.dir / name).unlink(missing_ok=True)
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "GRAFT_FAULT_DIR": os.fspath(self.dir),
            "GRAFT_FAULT_AT": str(at),
            "GRAFT_FAULT_SIGNAL": sig.name[3:],
            "GRAFT_FAULT_RUN": run,
            # GitPython runs "git" from PATH unless told otherwise.
            "GIT_PYTHON_GIT_EXECUTABLE": os.fspath(self.bin / "git"),
        }

    @property
    def calls(self) -> int:
        """How many git commands the last run made."""
        try:
            return int((self.dir / "count").read_text().strip() or 0)
        except FileNotFoundError:
            return 0

    @property
    def log(self) -> list[str]:
        """The git commands of the last run, numbered."""
        try:
            return (self.dir / "log").read_text().splitlines()
        except FileNotFoundError:
            return []


# -- processes -------------------------------------------------------------------------


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (from /proc)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.update(int(p) for p in task.read_text().split())
        except OSError:
            continue
    return {p for p in found if is_alive(p)}


def python_children(pid: int) -> set[int]:
    """The live children of ``pid`` that run Python (process pool workers, not git)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return set()
    found = set()
    for child in children(pid):
        try:
            if os.readlink(f"/proc/{child}/exe") == exe:
                found.add(child)
        except OSError:
            continue
    return found


def is_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie no one reaped has ended: it only waits for its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def wait_until(predicate: t.Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def kill(pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


# -- repositories ----------------------------------------------------------------------


def write_tree(root: Path, files: t.Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def commit_all(repo: Path, message: str = "commit") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def init_repo(path: Path, *args: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", *args)
    return path


def copy_tree(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def repo_state(repo: Path) -> dict[str, t.Any]:
    """What a user sees of a repository: refs, HEAD, index, status, git-dir markers, bytes."""
    files = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo)
        if rel.parts[0] == ".git" or not path.is_file():
            continue
        files[rel.as_posix()] = path.read_bytes()
    git_dir = repo / ".git"
    return {
        "head": git(repo, "rev-parse", "HEAD").strip(),
        "branch": git(repo, "symbolic-ref", "-q", "HEAD", check=False).strip(),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": git(repo, "ls-files", "-s"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        "markers": sorted(
            name
            for name in ("MERGE_HEAD", "MERGE_MSG", "index.lock", "CHERRY_PICK_HEAD")
            if (git_dir / name).exists()
        ),
        "files": files,
    }


def tree_of(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", f"{rev}^{{tree}}").strip()


def parents_of(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "rev-list", "--parents", "-n", "1", rev).split()[1:]


FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


def make_kettle(dest: Path, *init_args: str) -> Path:
    """The scripted kettle upstream (tags v1.0, v2.0, v3.0) as a git repository at ``dest``."""
    base = FIXTURES / "upstreams" / "kettle"
    init_repo(dest, *init_args)
    for version in sorted(p.name for p in base.iterdir() if p.is_dir()):
        for child in dest.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(base / version, dest, dirs_exist_ok=True)
        commit_all(dest, f"release {version}")
        git(dest, "tag", version)
    return dest


def make_app(dest: Path, *init_args: str) -> Path:
    """The acme demo app, committed in a fresh repository at ``dest``."""
    shutil.copytree(FIXTURES / "apps" / "acme", dest)
    git(dest, "init", "-q", *init_args)
    commit_all(dest, "the app")
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def local_edits(app: Path, fork: str = "teabag") -> None:
    """The user's edits to a kettle v1.0 fork, none on a line v2.0 changes; committed."""
    edit(app / fork / "core.py", "return pour(cup)", "return pour(cup).upper()  # mine")
    edit(app / fork / "old_name.py", '"is a small package"', '"is a tiny package"  # mine')
    commit_all(app, "my edits to the fork")


def overlapping_edit(app: Path, fork: str = "teabag") -> None:
    """A local edit on the very line v2.0 changes (the sync stops on a conflict); committed."""
    edit(
        app / fork / "util.py",
        "result = thing.strip()",
        "result = thing.strip().lower()  # mine",
    )
    commit_all(app, "my overlapping edit")


def assert_consistent(repo: Path) -> None:
    """Nothing half-done: no git operation stopped, no lock left, a clean work tree, fsck."""
    git_dir = repo / ".git"
    left = [n for n in ("MERGE_HEAD", "index.lock", "graft.lock") if (git_dir / n).exists()]
    assert not left, left
    assert git(repo, "status", "--porcelain=v1", "--untracked-files=all") == ""
    assert_fsck_clean(repo)


class Templates:
    """Repositories built once per test session and copied for each test (upstream beside app)."""

    def __init__(self) -> None:
        self._built: dict[str, Path] = {}

    def get(self, name: str, build: t.Callable[[Path], None], dest: Path) -> Path:
        """A fresh copy of template ``name`` under ``dest``; returns ``dest / "app"``."""
        if name not in self._built:
            base = Path(tempfile.mkdtemp(prefix=f"graft-template-{name}-"))
            build(base)
            self._built[name] = base
        for child in self._built[name].iterdir():
            copy_tree(child, dest / child.name)
        return dest / "app"


TEMPLATES = Templates()


def build_forked(base: Path) -> None:
    """kettle v1.0 forked as teabag into the acme app, with local edits (no conflict with v2.0)."""
    make_kettle(base / "upstream")
    app = make_app(base / "app")
    run = graft(app, "fork", "../upstream", "teabag", "--ref", "v1.0", "-q")
    assert run.returncode == 0, run.describe()
    local_edits(app)


def build_unforked(base: Path) -> None:
    """The kettle upstream and the acme app, nothing forked yet."""
    make_kettle(base / "upstream")
    make_app(base / "app")


def build_conflicting(base: Path) -> None:
    """The forked template plus a local edit on a line v2.0 changes: the sync conflicts."""
    build_forked(base)
    overlapping_edit(base / "app")


def build_stopped(base: Path) -> None:
    """A sync to v2.0 stopped on its conflict, which the user resolved and staged."""
    build_conflicting(base)
    app = base / "app"
    run = graft(app, "sync", "--ref", "v2.0", "-q")
    assert run.returncode == 3, run.describe()
    util = app / "teabag" / "util.py"
    lines = util.read_text().splitlines(keepends=True)
    resolved, side = [], None
    for line in lines:
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line.startswith("=======") and side == "ours":
            side = "theirs"
        elif line.startswith(">>>>>>> "):
            side = None
        elif side != "theirs":
            resolved.append(line)
    util.write_text("".join(resolved))
    git(app, "add", "teabag/util.py")


def signature(repo: Path) -> dict[str, t.Any]:
    """A repository's state up to commit dates: two runs of one command give equal values.

    Commits by the user carry the time they were made, so HEAD is named by its tree,
    parents and message instead of its id.
    """
    state = repo_state(repo)
    branch = state["branch"]
    head = state.pop("head")
    state["refs"] = "".join(
        line + "\n"
        for line in state["refs"].splitlines()
        if not (branch and line.startswith(branch + " "))
    )
    state["head_tree"] = tree_of(repo)
    state["head_parents"] = parents_of(repo)
    state["head_message"] = git(repo, "log", "-1", "--format=%B", head)
    merge_head = repo / ".git" / "MERGE_HEAD"
    state["merge_head"] = merge_head.read_text() if merge_head.exists() else None
    state["sync_state"] = (repo / ".git" / "graft" / "sync.json").exists()
    return state


def difference(a: t.Mapping[str, t.Any], b: t.Mapping[str, t.Any]) -> str:
    """Which keys of two signatures differ (for failure messages)."""
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    parts = []
    for key in keys:
        if key == "files":
            names = sorted(n for n in set(a[key]) | set(b[key]) if a[key].get(n) != b[key].get(n))
            parts.append(f"files {names[:6]}")
        else:
            parts.append(f"{key}: {str(a.get(key))[:200]!r} vs {str(b.get(key))[:200]!r}")
    return "; ".join(parts)
