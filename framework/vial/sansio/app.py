"""``App``: the application base class (in vial, the application class itself)."""

from __future__ import annotations

from ..app import Vial

App = Vial

__all__ = ["App"]
