"""Helpers for the rewriter tests, in the shape of LibCST's ``assertCodemod``.

``assert_rewrite(before, after, maps)`` dedents both snippets, rewrites ``before`` and
compares; it also checks, on every call, the two properties every rewrite must have:
determinism (a second run gives the same bytes) and idempotence (rewriting the output
changes nothing).
"""

from __future__ import annotations

import textwrap
import typing as t

from graft.rewrite import Renames, RewriteOptions, RewriteResult, rewrite_source


def dedent(code: str) -> str:
    """Dedent a triple-quoted snippet and drop the newline right after the opening quotes."""
    return textwrap.dedent(code).removeprefix("\n")


def as_renames(maps: str | t.Sequence[str] | Renames) -> Renames:
    if isinstance(maps, Renames):
        return maps
    return Renames.parse([maps] if isinstance(maps, str) else list(maps))


def assert_rewrite(
    before: str,
    after: str,
    maps: str | t.Sequence[str] | Renames = "flask=myflask",
    *,
    options: RewriteOptions | None = None,
) -> RewriteResult[str]:
    """Rewrite ``before`` and assert it becomes ``after``; return the result for more checks."""
    renames = as_renames(maps)
    source, expected = dedent(before), dedent(after)
    result = rewrite_source(source, renames, options=options)
    assert result.error is None, result.error
    assert result.code == expected, f"\n--- got:\n{result.code}\n--- expected:\n{expected}"
    assert result.status == ("unchanged" if expected == source else "changed")
    assert rewrite_source(source, renames, options=options) == result, "not deterministic"
    again = rewrite_source(result.code, renames, options=options)
    assert again.code == result.code, "not idempotent"
    return result


def kinds(result: RewriteResult[t.Any]) -> list[tuple[int, str]]:
    """(line, kind) of each finding, for compact assertions."""
    return [(finding.line, finding.kind) for finding in result.findings]
