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
    from .ctx import _AppCtxGlobals, AppContext, RequestContext
    from .sessions import SessionMixin
    from .wrappers import Request

_package = __name__.rpartition(".")[0]

_no_app_msg = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.\
"""
_cv_app: ContextVar[AppContext] = ContextVar(f"{_package}.app_ctx")
app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_app, unbound_message=_no_app_msg
)
current_app: Vial = LocalProxy(  # type: ignore[assignment]
    _cv_app, "app", unbound_message=_no_app_msg
)
g: _AppCtxGlobals = LocalProxy(  # type: ignore[assignment]
    _cv_app, "g", unbound_message=_no_app_msg
)

_no_req_msg = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. To solve this, use app.test_request_context() in
tests, or make sure the code runs inside a view function or a request
hook. See the documentation for more information.\
"""
_cv_request: ContextVar[RequestContext] = ContextVar(f"{_package}.request_ctx")
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_no_req_msg
)
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_request, "request", unbound_message=_no_req_msg
)
session: SessionMixin = LocalProxy(  # type: ignore[assignment]
    _cv_request, "session", unbound_message=_no_req_msg
)
