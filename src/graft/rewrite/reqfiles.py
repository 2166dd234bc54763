"""pip requirements files: ``requirements.txt``, ``requirements-dev.txt``, ``requirements/*.txt``.

A line ``flask>=3`` there is a requirement like any ``Requires-Dist``, and follows the
same rule (:mod:`graft.rewrite.requirements`): ``vial-web>=0.1.0`` for the bundled vial,
dropped for a fork the app ships, kept and reported otherwise. Projects read these files
into ``install_requires`` too (pytest-flask's ``setup.py`` does), so leaving them would
keep the original in the built metadata.

pip's own syntax is left alone: options (``-r``, ``-e``, ``--index-url``), paths and URLs.
A requirement pinned with ``--hash`` is reported instead of rewritten: the hashes are
those of the original's files. A requirement continued over several lines with ``\\`` is
reported too. Comments and the rest of each line are kept byte for byte.
"""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement

from .carriers import Carriers, Rewritten, split_ending
from .result import Finding

_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _is_requirement(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True


def is_requirements_file(path: str) -> bool:
    """``requirements*.txt``/``*.in`` anywhere, or any ``.txt``/``.in`` in a ``requirements/`` folder."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    if not name.endswith((".txt", ".in")):
        return False
    return name.startswith("requirements") or (len(parts) > 1 and parts[-2] == "requirements")


def rewrite_requirements_file(text: str, path: str, carriers: Carriers) -> Rewritten:
    """The new text of a requirements file, with findings and settled lines."""
    out: list[str] = []
    findings: list[Finding] = []
    settled: set[int] = set()
    lines = text.splitlines(keepends=True)
    continued = False
    for line in lines:
        body, ending = split_ending(line)
        number = len(out) + 1
        was_continued, continued = continued, body.rstrip().endswith("\\")
        content = _COMMENT.sub("", body).rstrip()
        requirement = content.rstrip("\\").strip()
        if not requirement or requirement.startswith("-") or was_continued:
            out.append(line)
            continue
        pinned = " --hash" in f" {requirement}" or continued
        head = requirement.split(" --", 1)[0].strip() if pinned else requirement
        edit = carriers.requirement(head)
        if edit.new is None and edit.message is None:
            if _is_requirement(head):
                settled.add(number)  # another distribution: "Flask-Login" is not Flask
            out.append(line)
            continue
        settled.add(number)
        if pinned:
            message = edit.message
            if edit.new is not None:
                becomes = "dropped" if edit.dropped else repr(edit.new)
                message = (
                    f"requirement {head!r} should become {becomes}, but here it is pinned with "
                    "hashes (or continued over lines): edit it by hand, with the hashes of what "
                    "it becomes"
                )
            findings.append(Finding(path, number, "distribution", message or ""))
            out.append(line)
            continue
        if edit.message:
            findings.append(Finding(path, number, "distribution", edit.message))
        if edit.new is None:
            out.append(line)
        elif edit.new:
            start = body.index(requirement)
            out.append(body[:start] + edit.new + body[start + len(requirement) :] + ending)
        # dropped: the line goes
    return "".join(out), findings, settled


__all__ = ["is_requirements_file", "rewrite_requirements_file"]
