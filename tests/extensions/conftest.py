"""Fixtures shared by the extension acceptance suites: one download cache per session.

The cache outlives the session on purpose (``.cache/extensions/`` or
``$GRAFT_EXTENSIONS_CACHE``): downloading four sdists and building a venv costs far more
than running the suites, and the environments are keyed by their pins, so reuse is safe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import suites


@pytest.fixture(scope="session")
def extension_cache() -> Path:
    """Where sdists, extracted suites and isolated environments are kept."""
    return suites.cache_dir()


@pytest.fixture(scope="session")
def suite_python(extension_cache: Path) -> Path:
    """The Flask-free venv's interpreter, built once per set of pins."""
    return suites.ensure_venv(extension_cache, suites.ci_suites())


@pytest.fixture(scope="session")
def flask_overlay(extension_cache: Path) -> Path:
    """Real Flask and the original extensions, to put on ``PYTHONPATH`` for the baseline."""
    return suites.ensure_flask_overlay(extension_cache, suites.ci_suites())
