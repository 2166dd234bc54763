"""Sphinx configuration: Markdown pages through MyST, API pages through autodoc."""

from __future__ import annotations

import sys
from pathlib import Path

import graft

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "graft + vial"
author = "The graft team"
release = graft.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "graft_cli",
]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "_ext"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
intersphinx_mapping: dict[str, tuple[str, None]] = {}
html_theme = "alabaster"
html_title = "graft + vial"
