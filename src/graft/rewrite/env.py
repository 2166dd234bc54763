"""What a rename changes outside the import system: environment variables.

A framework reads its settings from variables named after it (``FLASK_APP``,
``FLASK_DEBUG``, ``app.config.from_prefixed_env()`` reading ``FLASK_*``); its fork reads
its own prefix (``VIAL_*``). Renaming the imports therefore silently changes which
variables a deployment's app sees, and neither the code nor the deployment files
(``.flaskenv``, ``Dockerfile``, ``Procfile``, CI yaml) say so. Nothing here renames
anything: the variables are set outside the repository, so the user decides; every
place is reported with the new name suggested.

(Requirements naming the old distribution, in ``setup.py`` as in ``pyproject.toml``, are
the rewriter's: :mod:`graft.rewrite.requirements`.)

This runs only for ``graft rewrite`` (:func:`graft.rewrite.rewrite_tree`), over the
original bytes and with :mod:`ast`, so it changes no output byte and none of what
``graft fork`` renders.
"""

from __future__ import annotations

import ast
import re
import typing as t
from pathlib import Path
from types import MappingProxyType

from .result import Finding

if t.TYPE_CHECKING:
    from .names import Renames


def prefixes(renames: Renames) -> dict[str, str]:
    """``{"FLASK": "vial"}``: the environment prefix of each renamed top-level package, and its new name."""
    found = {}
    for root in sorted(renames.roots):
        new = renames.rename(root)
        if new != root:
            found[root.upper()] = new.partition(".")[0]
    return found


def _variable_pattern(renames: Renames) -> re.Pattern[str] | None:
    olds = prefixes(renames)
    if not olds:
        return None
    return re.compile(
        r"(?<![A-Za-z0-9_])(?:" + "|".join(map(re.escape, olds)) + r")_[A-Z_]+(?![A-Za-z0-9_])"
    )


def mentions_variables(data: bytes, renames: Renames) -> bool:
    """Whether ``data`` names an environment variable of a renamed package (``FLASK_APP``)."""
    pattern = _variable_pattern(renames)
    return pattern is not None and pattern.search(data.decode("utf-8", "replace")) is not None


Known = t.Mapping[str, str]
"""Old environment prefix -> the prefix the new package really reads (``{"FLASK": "VIAL"}``)."""
_UNKNOWN: Known = MappingProxyType({})


def variable_message(variable: str, renames: Renames, known: Known = _UNKNOWN) -> str:
    for old, package in prefixes(renames).items():
        if not variable.startswith(old + "_"):
            continue
        new = known.get(old)
        if new is not None:
            return (
                f"{variable} is a {old.lower()} environment variable; after the rename the app reads "
                f"{new + variable[len(old) :]} ({new}_*) instead: rename it where it is set, or keep "
                "reading the old name explicitly"
            )
        return (
            f"{variable} is a {old.lower()} environment variable; graft cannot tell which variable "
            f"{package} reads instead (a fork keeps reading {old}_* unless its code changed): check it"
        )
    raise AssertionError(variable)  # pragma: no cover - only called on pattern matches


def dotenv_file(path: Path, renames: Renames, known: Known = _UNKNOWN) -> str | None:
    """What to say about ``path`` if it is the old package's dotenv file (``.flaskenv``), else None."""
    for root in sorted(renames.roots):
        new = renames.rename(root)
        if new != root and path.name == f".{root}env":
            prefix = known.get(root.upper())
            if prefix is None:
                return (
                    f"{path.name} is loaded by {root}'s command line; graft cannot tell which file"
                    f" {new}'s command line loads: check it"
                )
            return (
                f"{path.name} is loaded by {root}'s command line; {new}'s loads"
                f" .{prefix.lower()}env instead: rename the file by hand"
            )
    return None


def text_line_findings(
    path: str, number: int, line: str, renames: Renames, known: Known = _UNKNOWN
) -> list[Finding]:
    """``env`` findings for the variables of the old package named on one line of a text file."""
    pattern = _variable_pattern(renames)
    if pattern is None:
        return []
    seen = dict.fromkeys(match.group(0) for match in pattern.finditer(line))
    return [
        Finding(path, number, "env", variable_message(variable, renames, known))
        for variable in seen
    ]


def python_findings(
    path: str, data: bytes, renames: Renames, known: Known = _UNKNOWN
) -> tuple[Finding, ...]:
    """``env`` findings of one Python file (empty when it has none).

    * ``from_prefixed_env()`` without ``prefix=`` in a file that imports a renamed
      package reads the new package's prefix after the rewrite;
    * a string that is a whole variable name of the old package (``"FLASK_DEBUG"``).
    """
    pattern = _variable_pattern(renames)
    if pattern is None:
        return ()
    text = data.decode("utf-8", "replace")
    if "from_prefixed_env" not in text and pattern.search(text) is None:
        return ()
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError):
        return ()  # the rewriter reports what cannot be parsed
    roots = renames.roots
    imported = [
        root
        for root in sorted(roots)
        if any(
            _imports(node, root)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
        )
    ]
    olds = prefixes(renames)
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and imported:
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            explicit = node.args or any(kw.arg in ("prefix", None) for kw in node.keywords)
            if name == "from_prefixed_env" and not explicit:
                root = next((r for r in imported if r.upper() in olds), None)
                if root is not None:
                    old = root.upper()
                    new = known.get(old)
                    after = (
                        f"{new}_* after the rename"
                        if new is not None
                        else f"whatever {olds[old]} reads after the rename (graft cannot tell)"
                    )
                    findings.append(
                        Finding(
                            path,
                            node.lineno,
                            "env",
                            f"from_prefixed_env() reads {old}_* now and {after}; "
                            f"pass prefix={old!r} to keep reading the deployment's variables",
                        )
                    )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and pattern.fullmatch(node.value)
        ):
            findings.append(
                Finding(path, node.lineno, "env", variable_message(node.value, renames, known))
            )
    return tuple(sorted(set(findings), key=lambda f: (f.line, f.kind, f.message)))


def _imports(node: ast.Import | ast.ImportFrom, root: str) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.partition(".")[0] == root for alias in node.names)
    return node.level == 0 and (node.module or "").partition(".")[0] == root


__all__ = [
    "dotenv_file",
    "mentions_variables",
    "prefixes",
    "python_findings",
    "text_line_findings",
    "variable_message",
]
