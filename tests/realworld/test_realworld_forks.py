"""Forks of real libraries pass their own test suites without the original, before and after sync.

Covers, for bottle (a single module) and jinja2 (it generates Python source that imports
itself), the subset of ``scripts/realworld_forks.py`` that fits CI: ``graft fork`` of the old
release's sdist into a git app repo, the suite renamed by ``graft rewrite`` and run where the
original cannot be imported, two committed local changes (one in a function the newer release
changes too), ``graft sync`` to the newer release, and the newer suite. Each suite's count on
the original, in the same venv, is pinned below, so a drifting environment shows up as such
and not as a fork problem; the fork must pass exactly what the original passes.

Takes about 4 minutes from a cold cache (two venvs and four sdists from PyPI) and 3 with a
warm one (``.cache/realworld/``), measured on the shared 2-core machine with other jobs
running. The other libraries of the table (attrs, werkzeug, requests, click,
Flask) run with the script; docs/realworld.md has the full table.
"""

from __future__ import annotations

from pathlib import Path

import forks
import pytest

ORIGINAL_PASSED: dict[str, tuple[int, int]] = {
    "bottle": (373, 377),
    "jinja2": (851, 909),
}
"""Passes of the original's own suite in the library's venv: (old release, new release)."""


@pytest.fixture(scope="session")
def realworld_cache() -> Path:
    return forks.cache_dir()


@pytest.mark.slow
@pytest.mark.parametrize("dist", list(ORIGINAL_PASSED))
def test_fork_passes_its_suite_before_and_after_sync(
    dist: str, realworld_cache: Path, tmp_path: Path
) -> None:
    result = forks.run_library(forks.LIBRARIES[dist], realworld_cache, tmp_path)
    old_expected, new_expected = ORIGINAL_PASSED[dist]

    assert result.old.original.passed == old_expected, result.old.original.output[-3000:]
    # Stricter than the table's 1%: every test that passes on the original passes on the fork.
    assert result.old.lost() == []
    assert result.old.fork.passed == old_expected

    # Both local changes survive the merge, and the merge itself needed no help.
    assert [step.returncode for step in result.sync_steps] == [0] * len(result.sync_steps), [
        step.output for step in result.sync_steps
    ]
    assert result.kept == (True, True)
    assert result.changes[0].upstream_changes_it

    assert result.new is not None
    assert result.new.original.passed == new_expected, result.new.original.output[-3000:]
    assert result.new.lost() == []
    assert result.new.fork.passed == new_expected
