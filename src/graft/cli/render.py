"""Every way graft formats its results for output: text for people, JSON for programs.

The library returns values (:mod:`graft.report`, :class:`graft.status.ForkStatus`,
:class:`graft.checks.CheckReport`, :class:`graft.rewrite.TreeResult`, ...); the commands
in :mod:`graft.cli` pick one of these functions and print its string. Nothing here prints,
and nothing here imports git, so ``graft rewrite`` stays as light as the rewrite engine.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from ..report import ForkReport

if t.TYPE_CHECKING:
    from ..checks import CheckReport
    from ..patch import PatchReport
    from ..report import Report, SyncReport
    from ..rewrite import TreeResult
    from ..status import ForkStatus
    from ..vcs import FileStat


def _finding_text(finding: t.Any) -> str:
    fmt = getattr(finding, "format", None)
    return str(fmt()) if callable(fmt) else str(finding)


# -- fork, patch and sync reports ---------------------------------------------------------


def _findings_and_notes(report: Report) -> list[str]:
    """The end of a fork's or a sync's text: what the rewriter left to check, then notes."""
    lines: list[str] = []
    if report.findings:
        lines.append(f"{len(report.findings)} finding(s) the rewriter left for you to check:")
        lines += [f"  {_finding_text(f)}" for f in report.findings]
    lines += [f"Note: {note}" for note in report.notes]
    return lines


def report_json(report: Report) -> str:
    """A stable, machine-readable rendering (``--format json``)."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True)


def sync_json(reports: t.Sequence[SyncReport]) -> str:
    """A run over several packages as JSON: ``{"packages": [report, ...]}``, in run order."""
    return json.dumps({"packages": [r.to_dict() for r in reports]}, indent=2, sort_keys=True)


def sync_run_text(reports: t.Sequence[SyncReport], *, verbose: bool = False) -> str:
    """A run over several packages: each package's sync under its name, in run order."""
    return "\n\n".join(
        f"{report.name}:\n" + _indent(_sync_text(report, verbose)) for report in reports
    )


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line else line for line in text.splitlines())


def report_text(report: Report, *, verbose: bool = False) -> str:
    """The human rendering: what happened, then what to do next.

    A sync says how many files upstream changed, by kind; ``verbose`` lists them too
    (so does the JSON report): a release that touches 400 files should not print 400
    lines before the one that says whether the merge went through.
    """
    if isinstance(report, ForkReport):
        return _fork_text(report)
    return _sync_text(report, verbose)


def _fork_text(report: ForkReport) -> str:
    verb = "Would fork" if report.dry_run else ("Forked" if report.kind == "fork" else "Vendored")
    lines = [
        f"{verb} {report.upstream} into {report.path}/ as {report.name} "
        f"({len(report.files)} files, {report.rewritten} rewritten; maps: {', '.join(report.maps)}).",
    ]
    if report.dry_run:
        lines += [f"  + {path}" for path in report.files]
        lines.append(f"Would record [tool.graft.packages.{report.name}] in {report.pyproject}.")
        if report.script:
            lines.append(f"Would add [project.scripts] {report.script} to {report.pyproject}.")
    else:
        if report.script:
            lines.append(
                f"Added [project.scripts] {report.script}: after `pip install -e .` "
                f"`{report.script.split(' = ')[0]}` runs the fork's CLI."
            )
        lines.append(
            f"Recorded [tool.graft.packages.{report.name}] in {report.pyproject}; "
            f"commit {report.commit and report.commit[:10]} "
            f"(snapshot {report.snapshot and report.snapshot[:10]})."
        )
    lines += _findings_and_notes(report)
    return "\n".join(lines)


def _short_id(revision: str) -> str:
    """Commit ids shortened as git shows them; versions as they are."""
    if len(revision) in (40, 64) and all(c in "0123456789abcdef" for c in revision):
        return revision[:10]
    return revision


_STATUS_LETTER = {
    "A": "added",
    "D": "deleted",
    "M": "changed",
    "R": "renamed",
    "C": "copied",
    "T": "type changed",
}


_KIND_ORDER = ("M", "A", "D", "R", "C", "T")


def _change_counts(changes: t.Sequence[t.Any]) -> str:
    """``3 changed, 1 added, 1 renamed``: upstream's changes counted by kind."""
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.status] = counts.get(change.status, 0) + 1
    ordered = sorted(counts, key=lambda k: _KIND_ORDER.index(k) if k in _KIND_ORDER else 99)
    return ", ".join(f"{counts[k]} {_STATUS_LETTER.get(k, k)}" for k in ordered)


def _sync_text(report: SyncReport, verbose: bool = False) -> str:
    lines: list[str] = []
    if report.action == "abort":
        return "\n".join(
            [
                f"Aborted the sync of {report.name}; the repository is back where it was.",
                *(f"Note: {note}" for note in report.notes),
            ]
        )
    if not report.steps:
        return "\n".join(
            [f"{report.name} is already up to date.", *(f"Note: {note}" for note in report.notes)]
        )
    for step in report.steps:
        if step.status == "up-to-date":
            lines.append(f"{report.name} is already up to date with {step.upstream}.")
            continue
        head = {
            "planned": "Would merge",
            "merged": "Merged",
            "conflicts": "Merging",
            "aborted": "Aborted merging",
        }.get(step.status, step.status)
        lines.append(
            f"{head} {step.upstream} into {report.name} (from {_short_id(step.old_revision)})."
        )
        if step.regenerated:
            lines.append(
                "  The previous snapshot commit was missing: rebuilt it and verified its tree."
            )
        if step.relinked:
            lines.append(
                "  The previous snapshot was not in your history (squash or rebase): "
                "reconnected it as the merge base."
            )
        if step.upstream_changes:
            count = len(step.upstream_changes)
            more = "" if verbose else " (-v lists them)"
            lines.append(
                f"  upstream: {count} file(s): {_change_counts(step.upstream_changes)}{more}."
            )
        if verbose:
            for change in step.upstream_changes:
                what = _STATUS_LETTER.get(change.status, change.status)
                target = f" -> {change.new_path}" if change.new_path else ""
                lines.append(f"    upstream {what}: {change.path}{target}")
        if step.status == "planned" and step.overlapping:
            lines.append("  changed on both sides (git will merge them; conflicts possible):")
            lines += [f"    {path}" for path in step.overlapping]
        renamed_to = {c.new_path: c.path for c in step.upstream_changes if c.new_path}
        for path in step.kept_deleted:
            if path in renamed_to:  # git stages a rename/delete conflict at the new name
                lines.append(
                    f"  kept deleted: {renamed_to[path]} (you deleted it; upstream "
                    f"renamed it to {path})"
                )
            else:
                lines.append(f"  kept deleted: {path} (you deleted it; upstream changed it)")
        if step.status == "merged" and step.commit:
            lines.append(f"  merge commit {step.commit[:10]}.")
        if step.status == "conflicts" and step.reused:
            lines.append(
                f"  {len(step.reused)} conflict(s) resolved from your earlier resolution "
                "(git rerere):"
            )
            lines += [f"    {path}" for path in step.reused]
        if step.status == "conflicts" and step.conflicts:
            lines.append(f"  {len(step.conflicts)} conflicted file(s):")
            lines += [f"    {path}" for path in step.conflicts]
            lines.append(
                "  Resolve them, `git add` them, then run `graft sync --continue` "
                "(or `graft sync --abort`)."
            )
        elif step.status == "conflicts":
            lines.append(
                "  Review them, then run `graft sync --continue` (or `graft sync --abort`)."
            )
    if report.queue and report.status == "conflicts":
        lines.append(
            f"  Still to sync in this run: {', '.join(report.queue)} "
            "(`graft sync --continue` syncs them once this merge is concluded)."
        )
    lines += _findings_and_notes(report)
    return "\n".join(lines)


def patch_text(report: PatchReport) -> str:
    """The human rendering: the vendoring, then the wheel, then what needs a human.

    The distributions patched along with the extension (its requirement closure) follow,
    each in the same shape, indented under the reason it was taken.
    """
    lines = [_patch_one(report)]
    if report.along:
        verb = "Would also patch" if report.vendored.dry_run else "Also patched"
        lines.append(
            f"{verb} {len(report.along)} dependenc{'y' if len(report.along) == 1 else 'ies'}"
            f" that import{'s' if len(report.along) == 1 else ''} the framework:"
        )
        for along in report.along:
            reason = along.reason.describe() if along.reason is not None else along.dist
            lines.append(f"- {reason}")
            lines += ["  " + line for line in _patch_one(along).splitlines()]
    if report.left:
        lines.append(
            f"Not patched (--no-deps), {len(report.left)} dependenc"
            f"{'y' if len(report.left) == 1 else 'ies'} will fail to import the framework:"
        )
        lines += [f"  {dependent.describe()}" for dependent in report.left]
    return "\n".join(lines)


def _patch_one(report: PatchReport) -> str:
    lines = [report_text(report.vendored)]
    lines[0] = lines[0].replace("Vendored", "Patched", 1).replace("Would fork", "Would patch", 1)
    lines.append(
        f"{report.vendored.name} now imports {report.target}; the app imports it as "
        f"`import {report.vendored.name}` from {report.vendored.path}/."
    )
    if report.wheel:
        verb = "Built and installed" if report.installed else "Built"
        lines.append(f"{verb} {report.wheel}.")
        lines += [
            f"  Requires-Dist: {old} -> {new or '(dropped)'}" for old, new in report.requirements
        ]
    extra = [f for f in report.human if f not in report.vendored.findings]
    if extra:
        more = " more" if report.vendored.findings else ""
        lines.append(f"{len(extra)}{more} thing(s) need a human:")
        lines += [f"  {finding.format()}" for finding in extra]
    return "\n".join(lines)


def patch_json(report: PatchReport) -> str:
    """``graft patch --format json``."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True)


# -- status and check ---------------------------------------------------------------------


def _short(revision: str | None) -> str:
    if revision is not None and len(revision) in (40, 64):
        return revision[:10]
    return revision or "?"


def status_text(statuses: t.Sequence[ForkStatus]) -> str:
    """One block per fork: what it is, where it stands, what you changed."""
    blocks = []
    for status in statuses:
        lines = [f"{status.name} ({status.kind} of {status.package}) at {status.path}/"]
        ref = f" (ref {status.ref})" if status.ref else ""
        lines.append(f"  source:    {status.source_kind} {status.source}{ref}")
        lines.append(f"  recorded:  {status.label}")
        if status.newest_error is not None:
            lines.append(f"  newest:    unknown: {status.newest_error}")
        elif status.newest_label is None:
            lines.append("  newest:    not looked up (--offline)")
        elif status.behind and status.queued:
            lines.append(
                f"  newest:    {status.newest_label}: behind; the stopped run syncs it "
                "after `graft sync --continue`"
            )
        elif status.behind and status.stopped_other is not None:
            lines.append(
                f"  newest:    {status.newest_label}: behind; conclude the stopped sync of "
                f"{status.stopped_other} first, then run `graft sync {status.name}`"
            )
        elif status.behind:
            lines.append(
                f"  newest:    {status.newest_label}: behind, run `graft sync {status.name}`"
            )
        else:
            lines.append(f"  newest:    {status.newest_label}: up to date")
        if status.sync_in_progress and status.merge_committed:
            lines.append(
                f"  sync:      the merge of {status.sync_target} was committed with "
                "git commit; run `graft sync --continue` to record it"
            )
        elif status.sync_in_progress and status.merge_missing:
            lines.append(
                f"  sync:      git is merging {status.sync_target}, but the index does not "
                "hold the merge (it failed or was undone); run `graft sync --abort`"
            )
        elif status.sync_in_progress and not status.conflicts:
            lines.append(
                f"  sync:      in progress, merging {status.sync_target}; all conflicts "
                "resolved and staged; run `graft sync --continue`"
            )
        elif status.sync_in_progress:
            lines.append(
                f"  sync:      in progress, merging {status.sync_target}; "
                f"{len(status.conflicts)} conflicted file(s)"
            )
            lines += [f"    {path}" for path in status.conflicts]
            lines.append(
                "             resolve and `git add`, then `graft sync --continue` (or --abort)"
            )
        elif status.queued:
            lines.append(
                f"  sync:      queued after {status.stopped_other}, in the stopped run over "
                "several packages"
            )
        else:
            lines.append("  sync:      none in progress")
        lines.append(f"  snapshot:  {_short(status.snapshot)}")
        if status.local is not None:
            files = status.local.files
            if files:
                lines.append(
                    f"  changes:   {len(files)} file(s), +{status.local.added} "
                    f"-{status.local.removed} against the snapshot"
                )
                for stat in files:
                    counts = "binary" if stat.added is None else f"+{stat.added} -{stat.removed}"
                    target = f" -> {stat.new_path}" if stat.new_path else ""
                    lines.append(f"    {stat.status} {stat.path}{target}  {counts}")
            else:
                lines.append("  changes:   none (the fork is the pristine snapshot)")
        else:
            lines.append(f"  changes:   unknown: {status.local_error}")
        lines += [f"  note: {note}" for note in status.notes]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def status_json(statuses: t.Sequence[ForkStatus]) -> str:
    """``{"forks": [...]}``, one object per entry, stable key order."""
    return json.dumps({"forks": [s.to_dict() for s in statuses]}, indent=2, sort_keys=True)


def check_text(report: CheckReport) -> str:
    """One line per problem (empty when clean)."""
    return "\n".join(p.format() for p in report.problems)


def check_json(report: CheckReport) -> str:
    """The problems, notes and checked forks (``graft check --format json``)."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True)


# -- diff ---------------------------------------------------------------------------------


def diff_stat_text(stats: t.Sequence[FileStat]) -> str:
    """``git diff --stat``-like lines: path, then lines added and removed."""
    if not stats:
        return ""
    names = [s.path + (f" => {s.new_path}" if s.new_path else "") for s in stats]
    width = max(len(n) for n in names)
    lines = []
    for name, stat in zip(names, stats):
        counts = "binary" if stat.added is None else f"+{stat.added} -{stat.removed}"
        lines.append(f" {name.ljust(width)} | {counts}")
    added = sum(s.added or 0 for s in stats)
    removed = sum(s.removed or 0 for s in stats)
    lines.append(
        f" {len(stats)} file(s) changed, {added} insertion(s)(+), {removed} deletion(s)(-)"
    )
    return "\n".join(lines) + "\n"


# -- rewrite ------------------------------------------------------------------------------


REWRITE_JSON_VERSION = 1
"""Bumped when a key of the JSON report changes meaning or disappears."""


def rewrite_summary(tree: TreeResult, *, mode: str) -> str:
    """One line: what happened to how many files (``mode`` is ``write``, ``check`` or ``dry-run``)."""
    changed, failed, findings = len(tree.changed), len(tree.failed), len(tree.findings)
    verb = "rewrote" if mode == "write" else "would rewrite"
    parts = [f"{verb} {changed} file{'s' if changed != 1 else ''}", f"{len(tree.files)} checked"]
    if failed:
        parts.append(f"{failed} failed")
    if findings:
        parts.append(f"{findings} finding{'s' if findings != 1 else ''} to review")
    if tree.skipped:
        parts.append(f"{len(tree.skipped)} skipped (not source; -v lists them)")
    return ", ".join(parts) + "."


def rewrite_text(tree: TreeResult, *, mode: str, findings: bool = True) -> str:
    """The changed files, then the findings as ``path:line: kind: message`` lines."""
    verb = "rewrote" if mode == "write" else "would rewrite"
    lines = [f"{verb} {f.path}" for f in tree.changed]
    if findings:
        lines.extend(finding.format() for finding in tree.findings)
    return "\n".join(lines) + ("\n" if lines else "")


def rewrite_json(
    tree: TreeResult, *, mode: str, diffs: bool = False, root: Path | None = None
) -> str:
    """A stable, machine-readable report of changes, failures and findings (and diffs on request)."""
    payload: dict[str, t.Any] = {
        "version": REWRITE_JSON_VERSION,
        "mode": mode,
        "written": tree.written,
        "checked": len(tree.files),
        "changed": [str(f.path) for f in tree.changed],
        "failed": [{"path": str(f.path), "error": f.error} for f in tree.failed],
        "findings": [finding.to_dict() for finding in tree.findings],
        "skipped": [skipped.to_dict() for skipped in tree.skipped],
    }
    if diffs:
        payload["diffs"] = {str(f.path): f.diff(root=root) for f in tree.changed}
    return json.dumps(payload, indent=2, sort_keys=True)


__all__ = [
    "REWRITE_JSON_VERSION",
    "check_json",
    "check_text",
    "diff_stat_text",
    "patch_json",
    "patch_text",
    "report_json",
    "report_text",
    "rewrite_json",
    "rewrite_summary",
    "rewrite_text",
    "status_json",
    "status_text",
]
