#!/usr/bin/env python
"""Fork real libraries with graft and run their own test suites without the original.

Usage: scripts/realworld_forks.py [LIBRARY ...] [-v] [--keep DIR]

For each library (default: all of tests/realworld/forks.py's LIBRARIES, in order): fork the
old release from its sdist into a fresh git app repository (``graft fork``), rename its suite
(``graft rewrite``), run it where the original cannot be imported and compare with the
original's pass count in the same venv; then commit two local changes to the fork, ``graft
sync`` to the newer release and compare again. Prints a Markdown table at the end; ``-v``
lists every test that passes on the original but not on the fork, and the sync's output.
Exit code 0 when every fork is within 1% of the original on both releases.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "realworld"))

import forks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libraries", nargs="*", metavar="LIBRARY", help=", ".join(forks.LIBRARIES))
    parser.add_argument("-v", "--verbose", action="store_true", help="list lost tests")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (app repos, suites)")
    args = parser.parse_args()
    if importlib.util.find_spec("graft") is None:
        print(
            f"Error: {sys.executable} cannot import graft; run this with the project's venv "
            "(. .venv/bin/activate).",
            file=sys.stderr,
        )
        return 1
    unknown = sorted(set(args.libraries) - set(forks.LIBRARIES))
    if unknown:
        parser.error(
            f"unknown library {', '.join(unknown)}; choose from {', '.join(forks.LIBRARIES)}"
        )
    names = args.libraries or list(forks.LIBRARIES)
    cache = forks.cache_dir()
    results = []
    with tempfile.TemporaryDirectory(prefix="graft-realworld-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp)
        for name in names:
            started = time.monotonic()
            result = forks.run_library(forks.LIBRARIES[name], cache, root / name)
            results.append(result)
            print(f"{name}: {time.monotonic() - started:.0f}s", file=sys.stderr)
            if args.verbose:
                report(result)
    print(forks.table(results))
    ok = all(r.old.is_within() and r.new is not None and r.new.is_within() for r in results)
    return 0 if ok else 1


def report(result: forks.LibraryResult) -> None:
    """Tests lost on the fork, the local changes and the sync's output, on stderr."""
    out = sys.stderr
    for comparison in (result.old, result.new):
        if comparison is None:
            continue
        lost = comparison.lost()
        print(f"  {result.library.dist} {comparison.version}: {len(lost)} lost", file=out)
        for test, message in lost:
            print(f"    LOST {test}: {message}", file=out)
    for change, kept in zip(result.changes, result.kept):
        where = "changed upstream" if change.upstream_changes_it else "unchanged upstream"
        state = "kept" if kept else "LOST"
        print(f"  local change in {change.path} {change.function} ({where}): {state}", file=out)
    for step in result.sync_steps:
        print(f"  $ {step.command} -> {step.returncode}\n{step.output}", file=out)


if __name__ == "__main__":
    sys.exit(main())
