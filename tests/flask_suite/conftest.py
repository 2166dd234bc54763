"""Flask's own test suite as an acceptance test for vial: the harness of tests/extensions.

The download cache, the Flask-free venv, the Flask overlay and the JUnit counting are the
extension suites' (``tests/extensions/suites.py``), imported from there rather than copied.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "extensions"))

import suites


@pytest.fixture(scope="session")
def extension_cache() -> Path:
    """The shared download and environment cache (``.cache/extensions`` by default)."""
    return suites.cache_dir()


@pytest.fixture(scope="session")
def suite_python(extension_cache: Path) -> Path:
    """The Flask-free venv's interpreter, shared with the extension suites."""
    return suites.ensure_venv(extension_cache)
