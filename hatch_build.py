"""Build hook: the wheel of graft-fork carries graft demo's app and extension.

They live in ``fixtures/`` (the tests use them too) and go into the wheel as
``graft/demo_assets/``. Not into an editable install: there ``graft.demo`` reads
``fixtures/`` in place, and copies in site-packages would shadow nothing but confuse
anything that reads the distribution's files (``graft fork graft-fork ...``).
"""

from __future__ import annotations

import typing as t

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DEMO_ASSETS = {
    "fixtures/apps/acme": "graft/demo_assets/apps/acme",
    "fixtures/extensions/flask-greeting": "graft/demo_assets/extensions/flask-greeting",
}


class DemoAssetsHook(BuildHookInterface):
    """Adds :data:`DEMO_ASSETS` to standard wheels only."""

    def initialize(self, version: str, build_data: dict[str, t.Any]) -> None:
        if self.target_name == "wheel" and version == "standard":
            build_data["force_include"].update(DEMO_ASSETS)
