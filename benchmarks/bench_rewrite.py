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
"""

from __future__ import annotations

import argparse
import ast
import json
import multiprocessing
import os
import re
import resource
import shutil
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "graft-bench")
    parser.add_argument(
        "--skip-renamecommand",
        action="store_true",
        help="skip libcst's RenameCommand (about a minute)",
    )
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
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
