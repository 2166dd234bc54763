"""notes: a small app on vial, as the docs describe one (factory, blueprints, session, API).

It exists so that a newcomer has a complete, tested app to copy from, and so that the
project's own test run proves the guide's patterns work together on vial.
"""

from __future__ import annotations

import os
import typing as t

from vial import Vial


def create_app(config: t.Mapping[str, t.Any] | None = None) -> Vial:
    """The application factory ``vial --app notes run`` finds.

    A factory (rather than a module-level app) lets tests build an app per test with
    their own configuration, and lets a WSGI server build one per worker process.
    """
    app = Vial(__name__)
    app.config.from_mapping(
        # Sessions are signed cookies: every worker must share this key. Set NOTES_SECRET_KEY
        # (or VIAL_SECRET_KEY through from_prefixed_env) in production.
        SECRET_KEY=os.environ.get("NOTES_SECRET_KEY", "dev-only-not-secret"),
        MAX_NOTES=20,
    )
    app.config.from_prefixed_env()
    if config is not None:
        app.config.from_mapping(config)

    from . import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    return app


__all__ = ["create_app"]
