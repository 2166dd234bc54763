"""How long ``graft sync`` takes on forks of about 100 and 1000 files, against a bare git merge.

For each size, a generated upstream git repository (package ``pkgbench``, every module
importing siblings by absolute name, so each file needs the rewrite) is forked into a
fresh app as ``benchfork`` and the app edits a few files. Then, in one run:

* a no-op sync (upstream has nothing new);
* a sync after upstream changed a fifth of the files (tag ``v2``);
* the bare ``git merge`` of the same snapshot commit into the same pre-sync app, and
  the no-op ``git merge`` of an already merged snapshot, for the ratio.

Each sync runs on its own copy of the same pre-sync app, so every round starts from
the same rewrite cache (the one the fork left: upstream's unchanged files are known,
the changed ones are not). The time of a sync is broken down by wrapping the
functions that do the work: the rewrite engine (``rewrite_tree``), rendering the
snapshot (``snapshot.build_tree``, which includes the rewrite), reading the upstream
(``sources.locate``), git processes (``vcs.Repo.run``) and blob reads through
GitPython. The parts overlap (reading a git upstream runs git), so they do not add up.

Targets, so a sync stays cheap on a large fork: a no-op sync of the 1000-file fork under 1 s; a sync with changes
costs the rewrite of the changed files only, plus under 1 s.

Run: ``python benchmarks/bench_sync.py [--sizes 100,1000] [--rounds 3] [--profile]``.
Not part of the test suite.

``--compare OLD_SRC`` instead times the whole command, ``python -m graft sync -q`` as a
user runs it, with this tree's graft and with the graft in ``OLD_SRC`` (another
checkout's ``src/``, e.g. a worktree at an older commit), interleaved round by round
(the order alternates) on copies of the same pre-sync app, and prints the medians and
the ratio new/old: ``python benchmarks/bench_sync.py --compare ../old/src --sizes 1000
--rounds 11``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

import graft.rewrite
from graft import snapshot, sources, vcs
from graft.fork import fork
from graft.sync import sync

PACKAGE = "pkgbench"
NEW = "benchfork"
PER_DIR = 20
CHANGED_FRACTION = 5

MODULE = '''"""Module {i} of {package}: generated for the sync benchmark."""

from __future__ import annotations

import {package}.{sibling_mod}
from {package}.{sibling_mod} import helper_{sibling}


def helper_{i}(value: int) -> int:
    """Add this module's number{marker}."""
    return value + {i}


class Thing{i}:
    """A class with a few methods, so each file has some body to parse."""

    def __init__(self, size: int) -> None:
        self.size = size

    def grow(self, step: int = 1) -> int:
        self.size += step
        return self.size

    def use_sibling(self) -> int:
        return helper_{sibling}(self.size) + {package}.{sibling_mod}.helper_{sibling}(1)


def describe() -> str:
    return "{package} module {i}: " + str(Thing{i}(3).grow())
'''


def module_path(i: int) -> str:
    return f"sub{i // PER_DIR:03d}/mod{i:04d}.py"


def module_name(i: int) -> str:
    return module_path(i)[:-3].replace("/", ".")


def upstream_files(count: int, version: int) -> dict[str, str]:
    """The package at ``version``: v2 changes a docstring line in every fifth module."""
    files = {f"{PACKAGE}/__init__.py": f'"""{PACKAGE}."""\n\n__version__ = "{version}.0"\n'}
    for d in range((count + PER_DIR - 1) // PER_DIR):
        files[f"{PACKAGE}/sub{d:03d}/__init__.py"] = ""
    for i in range(count):
        sibling = (i + 1) % count
        changed = version > 1 and i % CHANGED_FRACTION == 0
        files[f"{PACKAGE}/{module_path(i)}"] = MODULE.format(
            i=i,
            package=PACKAGE,
            sibling=sibling,
            sibling_mod=module_name(sibling),
            marker=f" (changed in v{version})" if changed else "",
        )
    return files


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def write_tree(root: Path, files: t.Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


class Timers:
    """Time spent in the parts of a sync, by wrapping the functions that do them."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.rewritten = 0
        self._depth: dict[str, int] = {}

    def wrap(self, owner: t.Any, attr: str, label: str) -> None:
        original = getattr(owner, attr)
        timers = self

        def timed(*args: t.Any, **kwargs: t.Any) -> t.Any:
            depth = timers._depth.get(label, 0)
            timers._depth[label] = depth + 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers._depth[label] = depth
                timers.counts[label] = timers.counts.get(label, 0) + 1
                if depth == 0:
                    timers.totals[label] = (
                        timers.totals.get(label, 0.0) + time.perf_counter() - start
                    )

        setattr(owner, attr, timed)

    def reset(self) -> None:
        self.totals = {}
        self.counts = {}
        self.rewritten = 0


def install_timers() -> Timers:
    timers = Timers()
    timers.wrap(graft.rewrite, "rewrite_tree", "rewrite")
    timers.wrap(graft.rewrite, "rewrite_items", "rewrite")
    timers.wrap(sources, "locate", "read upstream")
    timers.wrap(vcs.Repo, "run", "git processes")
    timers.wrap(vcs.Repo, "read_blob", "git blob reads")
    original_build = snapshot.build_tree

    def build_tree(*args: t.Any, **kwargs: t.Any) -> t.Any:
        result = original_build(*args, **kwargs)
        timers.rewritten += result.rewritten
        return result

    snapshot.build_tree = build_tree  # type: ignore[assignment]
    timers.wrap(snapshot, "build_tree", "build tree (incl. rewrite)")
    timers.wrap(snapshot, "store", "store snapshot objects")
    return timers


def prepare(root: Path, count: int) -> tuple[Path, Path]:
    """An upstream with tag v1 and an app with a fork of it, edited and committed."""
    upstream = root / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q")
    write_tree(upstream, upstream_files(count, 1))
    commit_all(upstream, "v1")
    git(upstream, "tag", "v1")
    app = root / "app"
    app.mkdir()
    git(app, "init", "-q")
    (app / "pyproject.toml").write_text('[project]\nname = "benchapp"\nversion = "0"\n')
    commit_all(app, "the app")
    start = time.perf_counter()
    fork(str(upstream), NEW, ref=None, cwd=app)
    print(f"  fork of {count} files: {time.perf_counter() - start:.2f} s", file=sys.stderr)
    for i in range(1, count, 50):  # local edits that upstream's v2 does not touch
        path = app / NEW / module_path(i)
        path.write_text(path.read_text().replace("return value + ", "return value * 1 + "))
    commit_all(app, "local edits")
    return upstream, app


def time_sync(
    app: Path, label: str, rounds: int, timers: Timers, profile: bool
) -> tuple[list[float], dict[str, float], int, list[Path]]:
    """Sync ``rounds`` copies of ``app``; returns times, the parts of the best round, copies.

    Copies sit next to ``app`` so the recorded source path (``../upstream``) still holds.
    """
    times: list[float] = []
    best: dict[str, float] = {}
    rewritten = 0
    copies = []
    for r in range(rounds):
        copy = app.parent / f"{label}{r}"
        shutil.copytree(app, copy, symlinks=True)
        copies.append(copy)
        timers.reset()
        profiler = cProfile.Profile() if profile and r == rounds - 1 else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        report = sync(cwd=copy)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
        assert report.status in ("merged", "up-to-date"), report.status
        if not times or elapsed < min(times):
            best, rewritten = dict(timers.totals), timers.rewritten
            best["git process count"] = timers.counts.get("git processes", 0)
        times.append(elapsed)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue(), file=sys.stderr)
    return times, best, rewritten, copies


def time_git_merge(pre: Path, merged: Path, rounds: int) -> list[float]:
    """``git merge`` of the snapshot a graft sync merged (HEAD^2 of ``merged``) into copies of ``pre``."""
    git(merged, "branch", "-f", "bench-snapshot", "HEAD^2")
    times = []
    for r in range(rounds):
        copy = pre.parent / f"git{r}"
        shutil.copytree(pre, copy, symlinks=True)
        git(copy, "fetch", "-q", os.fspath(merged), "bench-snapshot")
        start = time.perf_counter()
        git(copy, "merge", "-q", "--no-ff", "--no-edit", "FETCH_HEAD")
        times.append(time.perf_counter() - start)
    return times


def measure_alternatives(count: int) -> dict[str, float]:
    """Two costs of a sync with changes outside the rewrite, and cheaper ways to pay them.

    ``snapshot.build_tree`` writes every file it must rewrite into a scratch directory for
    ``rewrite_tree`` and removes it after; ``snapshot.store`` writes each new blob to a
    temporary file for ``git hash-object -w --stdin-paths`` (one loose object each).
    The alternatives: hand the bytes to the rewriter in memory (nothing to measure: the
    cost goes away), and stream the blobs through one ``git fast-import`` (one pack).
    """
    old = upstream_files(count, 1)
    files = {
        rel: text.encode() for rel, text in upstream_files(count, 2).items() if old[rel] != text
    }
    times: dict[str, float] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="graft-scratch-") as scratch:
        for rel, data in files.items():
            target = Path(scratch, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    times["scratch tree for the rewriter"] = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="graft-objects-") as tmp:
        git(Path(tmp), "init", "-q")
        repo = vcs.Repo(tmp)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="graft-blobs-") as scratch:
            paths = []
            for i, data in enumerate(files.values()):
                path = Path(scratch, str(i))
                path.write_bytes(data)
                paths.append(path)
            repo.write_blobs(paths)
        times["loose blobs via hash-object"] = time.perf_counter() - start
        stream = bytearray()
        for data in files.values():
            stream += b"blob\ndata %d\n" % len(data) + data.replace(b"module", b"Module") + b"\n"
        start = time.perf_counter()
        repo.run("fast-import", "--quiet", stdin=bytes(stream))
        times["one pack via fast-import"] = time.perf_counter() - start
    times["files"] = len(files)
    return times


def bench(count: int, rounds: int, profile: bool, timers: Timers) -> dict[str, t.Any]:
    with tempfile.TemporaryDirectory(prefix=f"graft-bench-{count}-") as tmp:
        root = Path(tmp)
        print(f"{count} files:", file=sys.stderr)
        upstream, app = prepare(root, count)
        # A no-op sync: upstream's newest tag is the recorded one.
        noop, noop_parts, _, noop_copies = time_sync(app, "noop", rounds, timers, profile)
        noop_git = []
        for r in range(rounds):
            start = time.perf_counter()
            git(noop_copies[r], "merge", "-q", "--no-edit", "HEAD^")  # already merged: a no-op
            noop_git.append(time.perf_counter() - start)
        # Upstream v2 changes a fifth of the files.
        write_tree(upstream, upstream_files(count, 2))
        commit_all(upstream, "v2")
        git(upstream, "tag", "v2")
        changed, parts, rewritten, copies = time_sync(app, "changed", rounds, timers, profile)
        merge = time_git_merge(app, copies[0], rounds)
    return {
        "count": count,
        "noop": noop,
        "noop_parts": noop_parts,
        "noop_git": noop_git,
        "changed": changed,
        "parts": parts,
        "rewritten": rewritten,
        "merge": merge,
        "alternatives": measure_alternatives(count),
    }


def parts_text(parts: t.Mapping[str, float]) -> str:
    return ", ".join(
        f"{k} {v:.0f}" if k.endswith("count") else f"{k} {v:.3f} s"
        for k, v in sorted(parts.items())
    )


NEW_SRC = Path(__file__).resolve().parents[1] / "src"


def time_command(app: Path, src: Path) -> float:
    """Wall time of ``python -m graft sync -q`` in ``app`` with the graft in ``src``.

    With bytecode caching on, as in any installed copy (pip compiles on install): a
    source tree without ``__pycache__`` would otherwise pay for compiling every module
    on every run, a cost that grows with the size of the code, not with what it does.
    """
    env = dict(os.environ, PYTHONPATH=os.fspath(src))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "graft", "sync", "-q"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"graft sync ({src}) failed: {proc.stderr.strip()}")
    return elapsed


def compare(old_src: Path, count: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Interleaved rounds of the no-op sync and the sync with changes, new and old graft."""
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix=f"graft-compare-{count}-") as tmp:
        root = Path(tmp)
        print(f"{count} files:", file=sys.stderr)
        upstream, app = prepare(root, count)
        warm = root / "warm-up"  # one run each first, so both have their bytecode cached
        for src in (NEW_SRC, old_src):
            shutil.copytree(app, warm, symlinks=True)
            time_command(warm, src)
            shutil.rmtree(warm)
        for label in ("noop", "changed"):
            if label == "changed":
                write_tree(upstream, upstream_files(count, 2))
                commit_all(upstream, "v2")
                git(upstream, "tag", "v2")
            times: dict[str, list[float]] = {"new": [], "old": []}
            for r in range(rounds):
                order = [("new", NEW_SRC), ("old", old_src)]
                for name, src in order if r % 2 == 0 else order[::-1]:
                    copy = root / f"{label}-{name}-{r}"
                    shutil.copytree(app, copy, symlinks=True)
                    times[name].append(time_command(copy, src))
                    shutil.rmtree(copy)
            results[label] = times
    return results


def main_compare(old_src: Path, sizes: t.Sequence[int], rounds: int) -> int:
    import statistics

    print(f"graft sync -q as a command: new ({NEW_SRC}) vs old ({old_src}), {rounds} rounds")
    print(f"  load average at the start: {_load()}")
    for count in sizes:
        results = compare(old_src, count, rounds)
        for label, text in (
            ("noop", "no-op sync"),
            ("changed", f"sync, {count // CHANGED_FRACTION} of {count} changed"),
        ):
            new = statistics.median(results[label]["new"])
            old = statistics.median(results[label]["old"])
            print(
                f"  {count} files, {text:28} new {new:6.3f} s  old {old:6.3f} s  "
                f"new/old {new / old:5.3f}  (medians of {rounds} interleaved rounds)"
            )
    print(f"  load average at the end: {_load()}")
    return 0


def _load() -> str:
    """The 1, 5 and 15 minute load averages: a shared machine's noise, for the record."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: t.Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100,1000", help="Fork sizes in files (default 100,1000)."
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="Syncs per measurement (best is kept)."
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the last round of each sync."
    )
    parser.add_argument(
        "--compare",
        metavar="OLD_SRC",
        type=Path,
        help="Time `python -m graft sync` with this tree's graft against OLD_SRC's, interleaved.",
    )
    args = parser.parse_args(argv)
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }
    os.environ.update(env)
    if args.compare is not None:
        sizes = [int(size) for size in args.sizes.split(",")]
        return main_compare(args.compare.resolve(), sizes, args.rounds)
    timers = install_timers()
    results = [
        bench(int(size), args.rounds, args.profile, timers) for size in args.sizes.split(",")
    ]
    ok = True
    print()
    for res in results:
        count = res["count"]
        noop, merge, changed = min(res["noop"]), min(res["merge"]), min(res["changed"])
        rewrite = res["parts"].get("rewrite", 0.0)
        beyond = changed - rewrite
        print(
            f"fork of {count} files ({count // CHANGED_FRACTION} changed upstream in v2), "
            f"best of {len(res['changed'])}:"
        )
        print(
            f"  no-op sync          {noop:7.3f} s   (git merge, already merged: "
            f"{min(res['noop_git']):.3f} s; ratio {noop / max(min(res['noop_git']), 1e-9):.0f}x)"
        )
        print("    parts: " + parts_text(res["noop_parts"]))
        print(
            f"  sync with changes   {changed:7.3f} s   (bare git merge of the same snapshot: "
            f"{merge:.3f} s; ratio {changed / max(merge, 1e-9):.1f}x)"
        )
        print(
            f"    rewrite {rewrite:.3f} s for {res['rewritten']} file(s); "
            f"everything else {beyond:.3f} s"
        )
        print("    parts: " + parts_text(res["parts"]))
        alt = res["alternatives"]
        print(
            f"    for {alt['files']:.0f} changed files: scratch tree for the rewriter "
            f"{alt['scratch tree for the rewriter']:.3f} s (in memory: 0); new blobs as loose "
            f"objects {alt['loose blobs via hash-object']:.3f} s, as one fast-import pack "
            f"{alt['one pack via fast-import']:.3f} s"
        )
        if count >= 1000:
            ok &= noop < 1.0 and beyond < 1.0 and res["rewritten"] <= count // CHANGED_FRACTION + 1
            print(
                f"  targets: no-op < 1 s: {'met' if noop < 1.0 else 'MISSED'}; "
                f"changed files only rewritten: "
                f"{'met' if res['rewritten'] <= count // CHANGED_FRACTION + 1 else 'MISSED'}; "
                f"rest < 1 s: {'met' if beyond < 1.0 else 'MISSED'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
