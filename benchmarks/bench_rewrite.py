#!/usr/bin/env python
"""Benchmark ``graft rewrite`` on Django against libcst's RenameCommand and the libcst floor.

Not part of the test suite. Run from the repository root with the project's venv::

    python benchmarks/bench_rewrite.py [--jobs 2] [--cache ~/.cache/graft-bench] [--skip-renamecommand]

It downloads Django's wheel once (``pip download --no-deps django``), extracts the
``django`` package into three copies and, in the same run and with the same number of
processes, times:

* ``graft rewrite --map django=mydjango``;
* ``python -m libcst.tool codemod rename.RenameCommand --old_name django --new_name
  mydjango --no-format -j N`` (libcst's own rename);
* the floor: parse and regenerate with libcst only the files that mention ``django``
  (what any libcst-based rewrite must at least do);
* ``graft rewrite --unknown-strings rename-known`` (settings-style strings renamed too).

Then it counts the references to ``django`` each copy still holds (absolute imports,
``django`` names, and strings that are module paths of the package), separating those
graft reported as findings from the unreported ones. Timings include interpreter
start-up for all three, since all three are run as commands.

``--compare OLD_SRC`` instead times the command a user runs, ``python -m graft rewrite
django --map django=newdjango --jobs N``, with this tree's graft and with the graft in
``OLD_SRC`` (another checkout's ``src/``, e.g. a worktree at an older commit, put first on
``PYTHONPATH``; same interpreter, so the same libcst), each on a fresh copy of Django's
package that it rewrites in place. After one warm-up run of each, the rounds interleave
(the order alternates each round) and it prints every round, the medians of wall and CPU
time, the ratio new/old and the load average at the start and the end::

    python benchmarks/bench_rewrite.py --compare ../graft-old/src --rounds 3
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
import zipfile
from collections import Counter
from pathlib import Path

WORD = re.compile(rb"(?<![\w])django(?![\w])")
MODULE_PATH = re.compile(r"django(?:\.[A-Za-z_]\w*)*\.?(?::[\w.]+)?")


def fetch_django(cache: Path) -> Path:
    """The Django wheel in ``cache``, downloaded with pip on first use."""
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("[Dd]jango-*.whl"))
    if not wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "django",
                "-d",
                str(cache),
            ],
            check=True,
        )
        wheels = sorted(cache.glob("[Dd]jango-*.whl"))
    return wheels[-1]


def extract(wheel: Path, dest: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("django/"):
                archive.extract(name, dest)
    return dest / "django"


CPU: dict[str, float] = {}
"""CPU seconds (user + system, the command and its workers) per command line, in run order."""


def run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall-clock seconds of one command; its CPU seconds go to ``CPU`` under the command line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[" ".join(command)] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, proc


def graft_rewrite(
    tree: Path, jobs: int, *options: str
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Time ``graft rewrite --map django=mydjango`` on ``tree/django``, reporting in JSON."""
    command = [sys.executable, "-m", "graft", "-q", "rewrite", "django"]
    command += ["--map", "django=mydjango", "--format", "json", "--jobs", str(jobs), *options]
    return run(command, tree)


def reported_lines(report: dict[str, t.Any]) -> set[tuple[str, int]]:
    """The (path, line) of every finding in a ``graft rewrite --format json`` report."""
    return {(Path(f["path"]).as_posix(), f["line"]) for f in report["findings"]}


# -- the floor: parse + regenerate, nothing else -------------------------------------


def _floor_one(path: str) -> int:
    import libcst

    data = Path(path).read_bytes()
    if WORD.search(data) is None:
        return 0
    module = libcst.parse_module(data)
    assert module.bytes == data
    return 1


def floor_main(root: Path, jobs: int) -> None:
    files = sorted(str(p) for p in root.rglob("*.py"))
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        parsed = sum(pool.map(_floor_one, files, chunksize=8))
    print(json.dumps({"files": len(files), "parsed": parsed}))


# -- leftovers --------------------------------------------------------------------------


def leftovers(root: Path, findings: set[tuple[str, int]]) -> tuple[Counter[str], list[str]]:
    """References to ``django`` left in a tree, by kind, ``-reported`` when graft reported the line."""
    counts: Counter[str] = Counter()
    examples: list[str] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            counts["unparsable-output"] += 1
            continue
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            kind = None
            if isinstance(node, ast.Import) and any(
                a.name.partition(".")[0] == "django" for a in node.names
            ):
                kind = "import"
            elif (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").partition(".")[0] == "django"
            ):
                kind = "import"
            elif isinstance(node, ast.Name) and node.id == "django":
                kind = "name"
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                if MODULE_PATH.fullmatch(node.value):
                    kind = "string"
            if kind is None:
                continue
            lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
            if any((rel, line) in findings for line in lines):
                counts[kind + "-reported"] += 1
            else:
                counts[kind] += 1
                if len(examples) < 10:
                    examples.append(f"{rel}:{node.lineno}: {kind}: {ast.unparse(node)[:90]}")
    return counts, examples


def unreported(counts: Counter[str]) -> int:
    return sum(
        v for k, v in counts.items() if not k.endswith("-reported") and k != "unparsable-output"
    )


# -- this tree's graft against an older one, as a command --------------------------------

NEW_SRC = Path(__file__).resolve().parents[1] / "src"


def graft_env(src: Path) -> dict[str, str]:
    """The environment that makes ``python -m graft`` run the graft in ``src``.

    With bytecode caching on, as in any installed copy (pip compiles on install): a
    source tree without ``__pycache__`` would otherwise pay for compiling every module
    on every run, which is not the rewrite's cost.
    """
    env = dict(os.environ, PYTHONPATH=os.fspath(src))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def check_imports(src: Path) -> str:
    """The version of libcst the graft in ``src`` runs with; exits if another graft is imported."""
    code = (
        "import graft, importlib.metadata as m; print(graft.__file__); print(m.version('libcst'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=graft_env(src),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"cannot import graft from {src}: {proc.stderr.strip()}")
    imported, _, libcst_version = proc.stdout.strip().partition("\n")
    if not Path(imported).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"PYTHONPATH={src} imports graft from {imported}, not from {src}")
    return libcst_version


def time_rewrite(src: Path, pristine: Path, work: Path, jobs: int) -> tuple[float, float, Path]:
    """Wall and CPU seconds of ``python -m graft rewrite`` by the graft in ``src`` on a fresh copy.

    CPU counts the command and its worker processes (user + system). Returns the copy.
    """
    tree = Path(tempfile.mkdtemp(prefix="round-", dir=work))
    shutil.copytree(pristine, tree / "django")
    command = [sys.executable, "-m", "graft", "rewrite", "django"]
    command += ["--map", "django=newdjango", "--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        command, cwd=tree, env=graft_env(src), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(
            f"graft rewrite ({src}) exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, tree


def changed_files(pristine: Path, tree: Path) -> tuple[int, str]:
    """How many files of ``tree`` differ from ``pristine``, and a digest of the whole tree."""
    digest = hashlib.sha256()
    changed = 0
    for path in sorted(tree.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(tree)
        data = path.read_bytes()
        digest.update(rel.as_posix().encode() + b"\0" + data + b"\0")
        original = pristine / rel
        if not original.is_file() or original.read_bytes() != data:
            changed += 1
    return changed, digest.hexdigest()[:12]


def main_compare(old_src: Path, rounds: int, jobs: int, cache: Path) -> int:
    wheel = fetch_django(cache)
    versions = {name: check_imports(src) for name, src in (("new", NEW_SRC), ("old", old_src))}
    print(
        f"python -m graft rewrite django --map django=newdjango --jobs {jobs}: "
        f"new ({NEW_SRC}) vs old ({old_src}), {rounds} interleaved rounds, "
        f"libcst {versions['new']}"
    )
    print(f"  load average at the start: {_load()}")
    work = Path(tempfile.mkdtemp(prefix="bench-rewrite-compare-"))
    try:
        pristine = extract(wheel, work / "pristine")
        files = sorted(pristine.rglob("*.py"))
        print(f"  {wheel.name}: {len(files)} .py files")
        sources = {"new": NEW_SRC, "old": old_src}
        outputs: dict[str, set[tuple[int, str]]] = {"new": set(), "old": set()}

        def one(name: str) -> tuple[float, float]:
            wall, cpu, tree = time_rewrite(sources[name], pristine, work, jobs)
            outputs[name].add(changed_files(pristine, tree / "django"))
            shutil.rmtree(tree)
            return wall, cpu

        for name in ("new", "old"):  # warm-up: bytecode cached, files in the page cache
            wall, _ = one(name)
            print(f"  warm-up {name}: {wall:.1f} s")
        walls: dict[str, list[float]] = {"new": [], "old": []}
        cpus: dict[str, list[float]] = {"new": [], "old": []}
        for r in range(rounds):
            order = ["new", "old"] if r % 2 == 0 else ["old", "new"]
            for name in order:
                wall, cpu = one(name)
                walls[name].append(wall)
                cpus[name].append(cpu)
            print(
                f"  round {r + 1} ({' then '.join(order)}): new {walls['new'][-1]:.1f} s "
                f"(cpu {cpus['new'][-1]:.1f}), old {walls['old'][-1]:.1f} s "
                f"(cpu {cpus['old'][-1]:.1f}), new/old {walls['new'][-1] / walls['old'][-1]:.3f}; "
                f"load {_load()}"
            )
        for name in ("new", "old"):
            described = ", ".join(f"{n} files changed (tree {d})" for n, d in sorted(outputs[name]))
            same = "the same output every run" if len(outputs[name]) == 1 else "OUTPUT DIFFERS"
            print(f"  {name}: {described}; {same}")
        new, old = statistics.median(walls["new"]), statistics.median(walls["old"])
        new_cpu, old_cpu = statistics.median(cpus["new"]), statistics.median(cpus["old"])
        print(
            f"  medians of {rounds} rounds: wall new {new:.1f} s, old {old:.1f} s, "
            f"new/old {new / old:.3f}; cpu new {new_cpu:.1f} s, old {old_cpu:.1f} s, "
            f"new/old {new_cpu / old_cpu:.3f}"
        )
        print(f"  load average at the end: {_load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _load() -> str:
    """The 1, 5 and 15 minute load averages: a shared machine's noise, for the record."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "graft-bench")
    parser.add_argument(
        "--skip-renamecommand",
        action="store_true",
        help="skip libcst's RenameCommand (about a minute)",
    )
    parser.add_argument(
        "--compare",
        metavar="OLD_SRC",
        type=Path,
        help="Time `python -m graft rewrite` with this tree's graft against OLD_SRC's, interleaved.",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="With --compare: rounds of each (default 3)."
    )
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compare is not None:
        return main_compare(args.compare.resolve(), args.rounds, args.jobs, args.cache)
    if args.floor:
        floor_main(args.floor, args.jobs)
        return 0

    wheel = fetch_django(args.cache)
    work = Path(tempfile.mkdtemp(prefix="bench-rewrite-"))
    try:
        pristine = extract(wheel, work / "pristine")
        copies = {name: work / name for name in ("graft", "graft-known", "libcst", "floor")}
        for copy in copies.values():
            shutil.copytree(pristine, copy / "django")
        files = sorted(pristine.rglob("*.py"))
        mentioning = sum(1 for p in files if WORD.search(p.read_bytes()))
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        print(
            f"{wheel.name}: {len(files)} .py files, {lines} lines, {mentioning} mention 'django'; jobs={args.jobs}"
        )

        floor_time, proc = run(
            [
                sys.executable,
                __file__,
                "--floor",
                str(copies["floor"] / "django"),
                "--jobs",
                str(args.jobs),
            ],
            work,
        )
        if proc.returncode:
            print(proc.stderr)
            return 1
        graft_time, proc = graft_rewrite(copies["graft"], args.jobs)
        if proc.returncode:
            print(proc.stderr)
            return 1
        report = json.loads(proc.stdout)
        findings = reported_lines(report)
        kinds = Counter(f["kind"] for f in report["findings"])

        results = [
            ("floor (libcst parse+codegen)", floor_time, None),
            ("graft rewrite", graft_time, copies["graft"]),
        ]
        known_time, proc = graft_rewrite(
            copies["graft-known"], args.jobs, "--unknown-strings", "rename-known"
        )
        if proc.returncode:
            print(proc.stderr)
            return 1
        known_findings = reported_lines(json.loads(proc.stdout))
        results.append(("graft --unknown-strings rename-known", known_time, copies["graft-known"]))
        if not args.skip_renamecommand:
            libcst_time, proc = run(
                [
                    sys.executable,
                    "-m",
                    "libcst.tool",
                    "codemod",
                    "rename.RenameCommand",
                    "--old_name",
                    "django",
                    "--new_name",
                    "mydjango",
                    "--no-format",
                    "-j",
                    str(args.jobs),
                    "--hide-progress",
                    "django",
                ],
                copies["libcst"],
            )
            if proc.returncode:
                print("RenameCommand exited", proc.returncode, proc.stderr[-2000:])
            results.append(("libcst RenameCommand", libcst_time, copies["libcst"]))

        cpu = list(
            CPU.values()
        )  # floor, graft, graft-known, [RenameCommand]: the order of the runs
        print(f"\n{'tool':40} {'wall s':>8} {'x floor':>8} {'cpu s':>8} {'x floor':>8}")
        for (name, seconds, _), cpu_seconds in zip(results, cpu):
            print(
                f"{name:40} {seconds:8.2f} {seconds / floor_time:8.2f} {cpu_seconds:8.2f} {cpu_seconds / cpu[0]:8.2f}"
            )
        if not args.skip_renamecommand:
            print(f"graft is {results[-1][1] / graft_time:.1f}x faster than RenameCommand")

        print(
            f"\ngraft: {len(report['changed'])} files changed, {len(report['failed'])} failed,"
            f" findings {dict(sorted(kinds.items()))}"
        )
        baseline, _ = leftovers(copies["floor"] / "django", set())
        print(f"references before any rewrite: {dict(sorted(baseline.items()))}")
        for name, _, tree in results[1:]:
            assert tree is not None
            reported = (
                findings
                if name == "graft rewrite"
                else known_findings
                if name.startswith("graft")
                else set()
            )
            counts, examples = leftovers(tree / "django", reported)
            print(f"{name}: left {dict(sorted(counts.items()))}; unreported: {unreported(counts)}")
            for example in examples[:5]:
                print(f"    {example}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
