"""The app's logger: named after the app, with a handler that writes to ``wsgi.errors``.

Configure logging (``logging.dictConfig``) before the app's ``logger`` is first used and
the default handler is not added.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Vial


def _errors_stream() -> t.TextIO:
    ctx = _cv_request.get(None)
    if ctx is not None:
        return ctx.request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    return sys.stderr


wsgi_errors_stream: t.TextIO = LocalProxy(_errors_stream)  # type: ignore[assignment]
"""The WSGI server's error stream during a request, ``sys.stderr`` outside one."""


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether some handler up the hierarchy would emit records at the logger's level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


default_handler = logging.StreamHandler(wsgi_errors_stream)
"""Added to the app's logger when nothing else would show its records."""
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: Vial) -> logging.Logger:
    """Get the logger named after the app; in debug mode lower it to DEBUG if unset."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
