"""vial: a small Flask-compatible microframework on Werkzeug and Jinja2."""

from __future__ import annotations

__version__ = "0.1.0"
