"""Built-in rename profiles: named maps for forks the project knows about.

``flask-vial`` moves code written for Flask onto vial, whose API mirrors Flask's but
whose application, test-client, CLI-runner and CLI-group classes carry vial's name.
The symbol maps are listed under every module path that exports the class, so
``from flask.testing import FlaskClient`` is covered as well as ``flask.Flask``.
``flask.__version__`` maps to ``vial.__flask_version__``: code that reads Flask's
version means the Flask API level (extension suites skip Flask-1.0-only tests on
it), which vial names so; ``vial.__version__`` is vial's own release.
"""

from __future__ import annotations

import typing as t

from .names import Renames

FLASK_VIAL = Renames.parse(
    [
        "flask=vial",
        "flask.Flask=vial.Vial",
        "flask.app.Flask=vial.app.Vial",
        "flask.testing.FlaskClient=vial.testing.VialClient",
        "flask.testing.FlaskCliRunner=vial.testing.VialCliRunner",
        "flask.cli.FlaskGroup=vial.cli.VialGroup",
        "flask.__version__=vial.__flask_version__",
    ]
)
"""Flask -> vial: the package, the four classes whose names differ, and the API-level version."""

PROFILES: t.Mapping[str, Renames] = {"flask-vial": FLASK_VIAL}
"""Profile name -> its :class:`Renames`; combine with ``profile.merged(extra)``."""

__all__ = ["FLASK_VIAL", "PROFILES"]
