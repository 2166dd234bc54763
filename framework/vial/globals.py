"""The context variables and the proxies that read them.

This module sits at the bottom of the import graph: it imports nothing from the package at
runtime, so every other module may import it. The context variables are named after the
package (``__name__``), so a renamed copy of the framework needs no string edits.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Vial
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_package = __name__.rpartition(".")[0]

# The first sentences are the well-known ones people search for.
_no_app_msg = (
    "Working outside of application context. "
    "No application context is active, and this needs one (current_app, g, url_for"
    " without a request...). Push one with 'with app.app_context():', for example"
    " around code run from a script, a thread or a test."
)
_no_req_msg = (
    "Working outside of request context. "
    "No request context is active, and this needs one (request, session, flash...)."
    " Such code belongs in a view function or a request hook; in tests, wrap it in"
    " 'with app.test_request_context():'."
)

_cv_app: ContextVar[AppContext] = ContextVar(f"{_package}.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar(f"{_package}.request_ctx")


def _proxy(var: ContextVar[t.Any], attribute: str | None, message: str) -> t.Any:
    if attribute is None:
        return LocalProxy(var, unbound_message=message)
    return LocalProxy(var, attribute, unbound_message=message)


app_ctx: AppContext = _proxy(_cv_app, None, _no_app_msg)
current_app: Vial = _proxy(_cv_app, "app", _no_app_msg)
g: _AppCtxGlobals = _proxy(_cv_app, "g", _no_app_msg)

request_ctx: RequestContext = _proxy(_cv_request, None, _no_req_msg)
request: Request = _proxy(_cv_request, "request", _no_req_msg)
session: SessionMixin = _proxy(_cv_request, "session", _no_req_msg)
