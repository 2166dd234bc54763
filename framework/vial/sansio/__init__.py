"""Where Flask 3 keeps its I/O-free base classes: ``sansio.app``, ``.blueprints``, ``.scaffold``.

vial has no separate sans-I/O layer; these modules re-export the real classes so code that
imports ``flask.sansio.*`` keeps working after the rename.
"""

from __future__ import annotations
