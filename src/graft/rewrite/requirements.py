"""Requirements on a renamed distribution: ``Flask>=3`` in ``dependencies``, ``Requires-Dist``, ``install_requires``.

A requirement names a *distribution*, not a module. A fork is not a distribution:
``graft fork flask myflask`` publishes nothing called ``myflask``, so renaming
``Flask>=3`` to ``myflask>=3`` would make pip look for a project nobody publishes (or,
worse, install a stranger's). What a requirement on the original becomes depends on
what provides the new package, which the caller knows and the rewriter does not; it
is handed in as a :class:`RequirementRule`:

* the bundled vial is provided by ``vial-web``: ``Flask>=2.2`` becomes
  ``vial-web>=0.1.0``, the bound mapped through the Flask release each vial-web release
  follows (:func:`map_specifier`);
* a fork the app ships itself (``graft fork``, recorded in its ``pyproject.toml``)
  needs no requirement: it is dropped;
* with no rule, nothing is renamed and the requirement is reported.

Only the name and the version specifier are rewritten; the extras the new
distribution provides and the environment marker (``; python_version >= "3.9"``) are
kept byte for byte. Requirements are parsed with :mod:`packaging`.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from .distribution import normalize
from .options import RequirementRule, normalize_extra


@dataclass(frozen=True)
class RequirementEdit:
    """The outcome for one requirement string."""

    new: str | None
    """The new requirement; None: unchanged; empty: dropped."""
    message: str | None = None
    """What a human should know (kept and reported, or rewritten with a loss)."""

    @property
    def dropped(self) -> bool:
        return self.new == ""


UNCHANGED = RequirementEdit(None)

_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_EXTRAS = re.compile(r"\s*\[[^\]]*\]")


def requirement_name(text: str) -> str | None:
    """The distribution a requirement string names, normalized, or None if it names none."""
    match = _NAME.match(text)
    return normalize(match.group(1)) if match else None


def map_specifier(
    specifier: SpecifierSet, rule: RequirementRule, original: str
) -> tuple[str, str | None]:
    """The replacement's specifier for ``specifier`` on the original, and a note if a bound was lost.

    The replacement releases admitted are those whose followed release satisfies
    ``specifier``: ``Flask>=2.2`` admits vial-web 0.1.0 (it follows Flask 3.1.3), so it
    becomes ``>=0.1.0``; should a later release follow a Flask the specifier excludes,
    an upper bound stops before it. An empty specifier stays empty. When no known
    release is admitted, or none is known, no bound is written and the note says so.
    """
    if not str(specifier):
        return "", None
    if not rule.releases:
        return "", (
            f"the bound {specifier} on {original} is not carried over: graft knows no "
            f"{rule.replacement} release to map it onto; check the version by hand"
        )
    admitted = [specifier.contains(old, prereleases=True) for _, old in rule.releases]
    if not any(admitted):
        new, old = rule.releases[-1]
        return "", (
            f"{original}{specifier} excludes the {original} API that {rule.replacement} "
            f"{new} follows ({old}); no version bound is written: check that it works"
        )
    first = admitted.index(True)
    bound = f">={rule.releases[first][0]}"
    if False in admitted[first:]:
        bound += f",<{rule.releases[admitted.index(False, first)][0]}"
    return bound, None


def rewrite_requirement(
    text: str,
    rules: t.Mapping[str, RequirementRule],
    watched: t.Mapping[str, str],
) -> RequirementEdit:
    """What the requirement ``text`` becomes.

    ``rules`` are keyed by normalized original distribution; ``watched`` maps every
    normalized distribution a rename concerns to the new package's name (for the
    report): a requirement on one of them without a rule is kept and reported. Any
    other requirement, and anything that is not a requirement, is left unchanged.
    """
    name = requirement_name(text)
    if name is None or (name not in rules and name not in watched):
        return UNCHANGED
    try:
        parsed = Requirement(text)
    except InvalidRequirement:
        return RequirementEdit(
            None,
            f"{text.strip()!r} looks like a requirement on {name} but is not one packaging can "
            "read: check it by hand",
        )
    if normalize(parsed.name) != name:  # pragma: no cover - the regex and packaging agree
        return UNCHANGED
    rule = rules.get(name)
    if rule is None:
        new = watched.get(name, "the new package")
        return RequirementEdit(
            None,
            f"requirement {text.strip()!r} names the {parsed.name} distribution; kept: {new} is "
            "not a distribution of that name. Require the distribution that provides "
            f"{new}, or drop the requirement if the app ships {new} itself",
        )
    if not rule.replacement:
        return RequirementEdit("")
    if parsed.url:
        return RequirementEdit(
            None,
            f"requirement {text.strip()!r} points at a copy of {parsed.name}; kept: require "
            f"{rule.replacement} by hand",
        )
    return _replace(text, parsed, rule)


def _replace(text: str, parsed: Requirement, rule: RequirementRule) -> RequirementEdit:
    head, semicolon, marker = text.partition(";")
    body = head.rstrip()
    trailing = head[len(body) :]
    name = _NAME.match(body)
    assert name is not None
    lead = body[: name.start(1)]
    rest = body[name.end(1) :]
    notes: list[str] = []
    extras_match = _EXTRAS.match(rest)
    extras_text = extras_match.group(0) if extras_match else ""
    rest = rest[len(extras_text) :]
    if parsed.extras and rule.extras is not None:
        provided = [e for e in sorted(parsed.extras) if normalize_extra(e) in rule.extras]
        if len(provided) != len(parsed.extras):
            missing = sorted(set(parsed.extras) - set(provided))
            notes.append(
                f"{rule.replacement} has no extra {', '.join(missing)}: "
                "install what it added by hand"
            )
            extras_text = f"[{','.join(provided)}]" if provided else ""
    spec_text, lost = map_specifier(parsed.specifier, rule, parsed.name)
    if lost:
        notes.append(lost)
    if spec_text:
        space = rest[: len(rest) - len(rest.lstrip())]
        spec_text = space + spec_text
    elif str(parsed.specifier):
        spec_text = ""
    else:
        spec_text = rest  # nothing to map: whatever stood there (whitespace) stays
    new = lead + rule.replacement + extras_text + spec_text + trailing + semicolon + marker
    message = None
    if notes:
        message = f"requirement {text.strip()!r} became {new.strip()!r}: " + "; ".join(notes)
    return RequirementEdit(new, message)


__all__ = [
    "RequirementEdit",
    "RequirementRule",
    "map_specifier",
    "requirement_name",
    "rewrite_requirement",
]
