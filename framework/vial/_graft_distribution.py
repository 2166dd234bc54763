"""What ``importlib.metadata`` answers for vial: the Flask release whose API it follows.

Code written for Flask asks its distribution for the version
(``importlib.metadata.version("flask")``) to decide which Flask API it can use. vial is
not Flask, and its own distribution (``vial-web``) has vial's release number, which
means nothing to such code. graft's ``flask-vial`` profile rewrites the lookup to
``version("vial")``, and this module answers it with ``vial.__flask_version__``, just
as the profile maps ``flask.__version__`` to ``__flask_version__``.

The name follows the package, so a fork made with ``graft fork`` answers for its own
name. The finder sits after every installed distribution's (a real one of the same
name wins), imports nothing until asked, and answers no files or entry points:
nothing of that name is installed. ``graft fork`` and ``graft sync`` keep this module
as it is instead of writing one from the upstream's metadata.
"""

from __future__ import annotations

import sys
import typing as t

NAME = __name__.rpartition(".")[0]
"""The distribution name lookups use: the package's own name."""

# This is a filled-in copy of the module graft writes into every fork
# (graft.rewrite.distribution's template): the same finder, answering with metadata made
# when asked, since the Flask API level and the package's name are only known then.
# graft keeps this file when it forks vial. The finder's parts (_normalize, locate_file,
# _Finder's lookups, the registration guard) stay the template's, part for part:
# tests/graft/test_rewrite_distribution.py compares them, so change both together.


def _normalize(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata() -> str:
    package = sys.modules[NAME]
    version = getattr(package, "__flask_version__", "0")
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {version}\n"
        f"Summary: {NAME}, answering as the Flask {version} API it follows\n"
        "Requires-Dist: Werkzeug>=3.1\n"
        "Requires-Dist: Jinja2>=3.1.2\n"
        "Requires-Dist: itsdangerous>=2.2\n"
        "Requires-Dist: click>=8.1.3\n"
        "Requires-Dist: blinker>=1.9\n"
    )


def _distribution() -> t.Any:
    import importlib.metadata
    import pathlib

    class FlaskApiDistribution(importlib.metadata.Distribution):
        def read_text(self, filename: str) -> str | None:
            if filename in ("METADATA", "PKG-INFO"):
                return _metadata()
            if filename == "top_level.txt":
                return NAME + "\n"
            return None

        def locate_file(self, path: t.Any) -> pathlib.Path:
            return pathlib.Path(__file__).parent.parent / str(path)

    return FlaskApiDistribution()


class _Finder:
    """A ``sys.meta_path`` entry that only answers distribution lookups for NAME."""

    graft_distribution = NAME

    @staticmethod
    def find_spec(fullname: str, path: t.Any = None, target: t.Any = None) -> None:
        return None

    @staticmethod
    def find_distributions(context: t.Any = None) -> t.Iterator[t.Any]:
        name = getattr(context, "name", None)
        if name is None or _normalize(name) == _normalize(NAME):
            yield _distribution()


if not any(getattr(f, "graft_distribution", None) == NAME for f in sys.meta_path):
    sys.meta_path.append(_Finder)
