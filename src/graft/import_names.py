"""Whether a name can be the import name of a fork.

A fork's name becomes a top-level module in the user's process, so a bad name
fails late and confusingly: ``import json`` silently picking the stdlib, or an
installed ``requests`` shadowed by a fork. We refuse such names up front.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import keyword
import sys

from .errors import InvalidNameError


def is_stdlib_module(name: str) -> bool:
    """Whether ``name`` is a top-level standard-library module."""
    return name in sys.stdlib_module_names or name in sys.builtin_module_names


def is_installed_module(name: str) -> bool:
    """Whether ``name`` is importable as a top-level module in this environment."""
    if name in importlib.metadata.packages_distributions():
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def validate_import_name(name: str, *, force: bool = False, what: str = "NEW_NAME") -> str:
    """Return ``name`` if it can be a new top-level import name, else raise InvalidNameError.

    :param force: allow shadowing an installed or standard-library module (the user
        knows the original will be unreachable in their process).
    """
    if not name.isidentifier():
        raise InvalidNameError(
            f"{what} {name!r} is not a valid Python identifier.",
            hint="Use letters, digits and underscores, not starting with a digit (e.g. acme_web).",
        )
    import unicodedata  # only here: every sync imports this module, few check names

    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        # Python reads identifiers in NFKC form: `import` would look for another file name.
        raise InvalidNameError(
            f"{what} {name!r} is not in the form Python reads identifiers in (NFKC).",
            hint=f"Use {normal!r}, which is how `import` spells it.",
        )
    if keyword.iskeyword(name):
        raise InvalidNameError(
            f"{what} {name!r} is a Python keyword and cannot be imported.",
            hint="Pick another name (e.g. acme_web).",
        )
    if force:
        return name
    if is_stdlib_module(name):
        raise InvalidNameError(
            f"{what} {name!r} would shadow the standard-library module {name!r}.",
            hint="Pick another name, or pass --force if you really mean it.",
        )
    if is_installed_module(name):
        raise InvalidNameError(
            f"{what} {name!r} would shadow the installed module {name!r}.",
            hint="Pick another name, or pass --force if you really mean it.",
        )
    return name


__all__ = ["is_installed_module", "is_stdlib_module", "validate_import_name"]
