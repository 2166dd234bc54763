"""The app's logger: named after the app, with a handler that writes to ``wsgi.errors``.

Configure logging (``logging.config.dictConfig``) before ``app.logger`` is first used and
the default handler is left out.
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
    req_ctx = _cv_request.get(None)
    if req_ctx is None:
        return sys.stderr
    return req_ctx.request.environ["wsgi.errors"]  # type: ignore[no-any-return]


wsgi_errors_stream: t.TextIO = LocalProxy(_errors_stream)  # type: ignore[assignment]
"""The WSGI server's error stream during a request, ``sys.stderr`` outside one."""


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler up the logger's hierarchy would emit its records."""
    level = logger.getEffectiveLevel()
    node: logging.Logger | None = logger
    while node is not None:
        if any(h.level <= level for h in node.handlers):
            return True
        node = node.parent if node.propagate else None
    return False


# The documented default: "[time] LEVEL in module: message".
_FORMAT = "[%(asctime)s] %(levelname)s" + " in %(module)s: %(message)s"

default_handler = logging.StreamHandler(wsgi_errors_stream)
"""Added to the app's logger when nothing else would show its records."""
default_handler.setFormatter(logging.Formatter(_FORMAT))


def create_logger(app: Vial) -> logging.Logger:
    """The logger named after the app; in debug mode it logs DEBUG unless a level is set."""
    app_logger = logging.getLogger(app.name)
    if app.debug and app_logger.level == logging.NOTSET:
        app_logger.setLevel(logging.DEBUG)
    if not has_level_handler(app_logger):
        app_logger.addHandler(default_handler)
    return app_logger
