"""Where Flask 3 keeps its I/O-free base classes: ``sansio.app``, ``.blueprints``, ``.scaffold``.

vial has no separate sans-I/O layer; these modules re-export the real classes so code that
imports ``flask.sansio.*`` keeps working after the rename.
"""

from __future__ import annotations

import typing as t


def __getattr__(name: str) -> t.Any:
    # ``flask.sansio.app`` (and the others) are bound once ``import flask`` has run.
    if name in ("app", "blueprints", "scaffold"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
