"""``python -m vial``: the framework's CLI without a console script.

A fork made by ``graft fork`` has no console script of its own, so this is how its
users reach ``run``, ``routes`` and ``shell`` (``python -m acme_web --app hello run``).
"""

from __future__ import annotations

from .cli import main

main()
