"""Class-based views: :class:`View` and the method-dispatching :class:`MethodView`."""

from __future__ import annotations

import typing as t

from . import typing as ft
from .globals import current_app, request

http_method_funcs = frozenset({"delete", "get", "head", "options", "patch", "post", "put", "trace"})
"""Lower-case HTTP methods a :class:`MethodView` may implement as methods of those names."""


class View:
    """Subclass, implement :meth:`dispatch_request`, and register ``as_view(name)``.

    Class attributes shape the generated view function: ``methods``,
    ``provide_automatic_options``, ``decorators`` (applied in list order, so the first is
    innermost) and ``init_every_request`` (when false, one instance serves every request,
    so it must keep no per-request state on ``self``).
    """

    methods: t.ClassVar[t.Collection[str] | None] = None
    provide_automatic_options: t.ClassVar[bool | None] = None
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """The body of the view; the URL's arguments come as keyword arguments."""
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: t.Any, **class_kwargs: t.Any) -> ft.RouteCallable:
        """A view function that builds an instance (per request, or once) and dispatches.

        The function carries ``view_class``, ``methods`` and ``provide_automatic_options``,
        which :meth:`Vial.add_url_rule` reads.
        """
        shared = None if cls.init_every_request else cls(*class_args, **class_kwargs)

        def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
            instance = shared
            if instance is None:
                instance = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
            return current_app.ensure_sync(instance.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        # view_class is read at call time, so decorators that wrap the function still
        # reach the class through the innermost function.
        view.view_class = cls  # type: ignore[attr-defined]
        wrapped: t.Any = view
        if cls.decorators:
            _describe(wrapped, cls, name)
            for decorate in cls.decorators:
                wrapped = decorate(wrapped)
        _describe(wrapped, cls, name)
        wrapped.view_class = cls
        wrapped.methods = cls.methods
        wrapped.provide_automatic_options = cls.provide_automatic_options
        return wrapped  # type: ignore[no-any-return]


def _describe(func: t.Any, cls: type, name: str) -> None:
    """Name a generated view after the endpoint and document it with the class."""
    func.__name__ = name
    func.__qualname__ = name
    func.__doc__ = cls.__doc__
    func.__module__ = cls.__module__


class MethodView(View):
    """Dispatch to the method named after the HTTP method (``get``, ``post``...).

    ``methods`` is filled in from the handlers the class and its bases define; HEAD falls
    back to ``get``.
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return  # set explicitly on this class
        inherited = {m for base in cls.__bases__ for m in (getattr(base, "methods", None) or ())}
        handled = {name.upper() for name in http_method_funcs if hasattr(cls, name)}
        if inherited or handled:
            cls.methods = inherited | handled

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        method = request.method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        assert handler is not None, f"Unimplemented method {method!r}"
        return current_app.ensure_sync(handler)(**kwargs)  # type: ignore[no-any-return]
