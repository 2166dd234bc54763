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
from dataclasses import dataclass

from .names import Renames
from .options import MODULE_RUN

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


@dataclass(frozen=True)
class Surface:
    """What a profile's target answers to outside imports: its command and environment prefix.

    ``follows_package``: the target derives both from its package name (vial reads
    ``{__package__.upper()}_*``, loads ``.{package}env`` and runs as ``python -m
    package``), so a fork of it under another name answers to that name instead.
    """

    commands: tuple[tuple[str, str], ...]
    env_prefixes: tuple[tuple[str, str], ...]
    follows_package: bool = False
    distributions: tuple[tuple[str, str], ...] = ()
    """Distribution lookups the target answers (``("flask", "vial")``: vial's
    ``_graft_distribution`` answers ``version("vial")`` with the Flask API level)."""

    def for_target(
        self, target: str | None
    ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """(commands, env prefixes) for the target itself, or for a fork of it named ``target``.

        A fork has no console script (it is not installed), so its command is
        ``python -m target``; its prefix is the one it derives from its name. For a
        target that does not derive them, nothing is known about a fork: nothing is given.
        """
        if target is None:
            return self.commands, self.env_prefixes
        if not self.follows_package:
            return (), ()
        prefix = target.replace(".", "_").upper()
        return (
            tuple((old, MODULE_RUN + target) for old, _ in self.commands),
            tuple((old, prefix) for old, _ in self.env_prefixes),
        )

    def distributions_for(self, target: str | None) -> tuple[tuple[str, str], ...]:
        """The distribution lookups the target, or a fork of it named ``target``, answers."""
        if target is None:
            return self.distributions
        if not self.follows_package:
            return ()
        return tuple((old, target) for old, _ in self.distributions)


SURFACES: t.Mapping[str, Surface] = {
    "flask-vial": Surface(
        (("flask", "vial"),),
        (("FLASK", "VIAL"),),
        follows_package=True,
        distributions=(("flask", "vial"),),
    )
}
"""Profile name -> what its target answers to: vial's ``vial`` command, ``VIAL_*`` variables
and distribution lookups of Flask (answered as the Flask API level)."""

__all__ = ["FLASK_VIAL", "PROFILES", "SURFACES", "Surface"]
