"""The application object: configuration, the WSGI entry point, dispatch and errors.

``Vial`` is the glue. Registration lives in :mod:`.scaffold`, contexts in :mod:`.ctx`,
templates in :mod:`.templating`, sessions in :mod:`.sessions`. The request path looks
``handle_exception``, ``handle_user_exception``, ``session_interface`` and ``json`` up on the
instance every time, so extensions may replace them on one app.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import pathlib
import sys
import typing as t
import weakref
from datetime import timedelta
from functools import cached_property
from inspect import iscoroutinefunction
from itertools import chain, product

from werkzeug.datastructures import Headers, ImmutableDict
from werkzeug.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from werkzeug.routing import BuildError, MapAdapter, RequestRedirect, RoutingException
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Response as BaseResponse

from . import typing as ft
from .asgi import ENVIRON_KEY as _ASGI_ENVIRON_KEY
from .asgi import ASGIApp
from .config import Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals, _sentinel
from .globals import _cv_app, _cv_request, g, request, session
from .helpers import get_debug_flag, get_flashed_messages, get_load_dotenv
from .json.provider import DefaultJSONProvider, JSONProvider
from .routing import Map, Rule, bind_for_app, bind_for_request, quote_anchor
from .scaffold import Scaffold, _endpoint_from_view_func, find_package, setupmethod
from .signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from .wrappers import Request, Response, _split_blueprint_path

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .blueprints import Blueprint
    from .sessions import SessionInterface
    from .testing import VialClient, VialCliRunner

T = t.TypeVar("T")
T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)


# Code flags of ``async def`` functions and async generators (inspect.CO_COROUTINE | ...).
_CO_ASYNC = 0x80 | 0x200


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    """Accept a plain number of seconds wherever the config holds a lifetime."""
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    return value


_BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Requests whose redirect loses nothing when the client repeats them as GET."""

_AUTOESCAPE_SUFFIXES = (".html", ".htm", ".xml", ".xhtml", ".svg")
"""Template file endings rendered with autoescaping (markup formats)."""


def _in_scopes(
    registry: t.Mapping[str | None, list[t.Any]],
    scopes: t.Iterable[str | None],
    reverse: bool = False,
) -> t.Iterator[t.Any]:
    """Yield the functions registered for each scope in turn (``None`` is the app).

    Hooks, context processors and teardowns are all kept per blueprint name; this one
    walk serves every pipeline stage. ``reverse`` walks each list from its end.
    """
    for scope in scopes:
        funcs = registry.get(scope)
        if funcs:
            yield from (reversed(funcs) if reverse else funcs)


def _error_or_current(exc: BaseException | None) -> BaseException | None:
    """The teardown argument: what the caller passed, or the error being handled now."""
    return sys.exc_info()[1] if exc is _sentinel else exc


def _rule_methods(methods: t.Any, view_func: t.Any) -> set[str]:
    """The upper-cased methods of a new rule: given, else the view's, else GET only."""
    if methods is None:
        methods = getattr(view_func, "methods", None) or ["GET"]
    if isinstance(methods, str):
        raise TypeError(
            f"Allowed methods must be a list of strings such as ['GET', 'POST'], not the"
            f" single string {methods!r}; wrap it in a list."
        )
    return {str(method).upper() for method in methods}


_default_content_types: dict[type, tuple[str | None, str | None]] = {}


def _default_content_type(response_class: type[Response]) -> str | None:
    """The ``Content-Type`` Werkzeug gives a body built without headers, if it can be
    passed ready-made: ``response_class`` keeps Werkzeug's constructor.

    Passing it spares Werkzeug's check for a ``Content-Type`` among no headers, which
    raises and catches a ``KeyError`` on every response; the header is the same.
    """
    mimetype = response_class.default_mimetype
    cached = _default_content_types.get(response_class)
    if cached is not None and cached[0] == mimetype:
        return cached[1]
    content_type = None
    if response_class.__init__ is BaseResponse.__init__ and isinstance(mimetype, str):
        content_type = get_content_type(mimetype, "utf-8")
    _default_content_types[response_class] = (mimetype, content_type)
    return content_type


_http_error_bodies: dict[tuple[type, int, str | None], tuple[bytes, list[tuple[str, str]]]] = {}


def _http_error_response(exc: HTTPException, response_class: type[Response]) -> Response | None:
    """The response Werkzeug's ``exc.get_response()`` would build, from a cache, or ``None``.

    Only for exceptions that keep Werkzeug's ``get_response``, ``get_body``,
    ``get_headers`` and ``get_description`` (so the page depends on nothing but the class,
    the code and the description): a 404 or 405 page is then rendered once, not per request.
    """
    cls = type(exc)
    if (
        exc.response is not None
        or cls.get_response is not HTTPException.get_response
        or cls.get_body is not HTTPException.get_body
        or cls.get_headers is not HTTPException.get_headers
        or cls.get_description is not HTTPException.get_description
        or exc.code is None
    ):
        return None
    description = exc.description
    key = (cls, exc.code, description if isinstance(description, str) else None)
    if key[2] is None and description is not None:
        return None
    cached = _http_error_bodies.get(key)
    if cached is None:
        built = exc.get_response()
        cached = (built.get_data(), list(built.headers.items()))
        if len(_http_error_bodies) < 256:
            _http_error_bodies[key] = cached
    body, headers = cached
    return response_class(body, exc.code, headers)


def _split_response_tuple(rv: tuple[t.Any, ...]) -> tuple[t.Any, t.Any, t.Any]:
    """``(body, status, headers)`` from a view's tuple.

    A pair's second item is headers when it is a mapping or a sequence, a status otherwise.
    """
    if len(rv) == 3:
        return rv
    if len(rv) == 2:
        body, extra = rv
        if isinstance(extra, (Headers, dict, tuple, list)):
            return body, None, extra
        return body, extra, None
    raise TypeError(
        f"The view returned a tuple of {len(rv)} items; a response tuple must have the form"
        " (body, status, headers), (body, status) or (body, headers)."
    )


def _invalid_return_message(rv: object) -> str:
    """Why a view's value cannot become a response, and what would work instead."""
    return (
        "The view function did not return a valid response: expected a str, bytes, dict,"
        " list, (body, status, headers) tuple, response object or WSGI callable, but"
        f" it was a {type(rv).__name__}."
    )


def _server_address(
    host: str | None, port: int | str | None, server_name: str | None
) -> tuple[str, int]:
    """Where ``app.run()`` listens: explicit values, then ``SERVER_NAME``, then 127.0.0.1:5000."""
    name_host, _, name_port = (server_name or "").partition(":")
    if port not in (None, ""):
        chosen = int(port)
    else:
        chosen = int(name_port) if name_port else 5000
    return host or name_host or "127.0.0.1", chosen


class _LazyClassAttribute:
    """A class attribute imported on first use, so ``import vial`` skips jinja2 and friends.

    On first access it replaces itself on the class that defined it with the real value;
    a subclass or an instance may still assign its own value as with a plain attribute.
    """

    def __init__(self, module: str, name: str, instantiate: bool = False) -> None:
        self.module = module
        self.name = name
        self.instantiate = instantiate
        self.attr = name

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    def __get__(self, obj: object, owner: type) -> t.Any:
        import importlib

        value = getattr(importlib.import_module(self.module, __package__), self.name)
        if self.instantiate:
            value = value()
        for klass in owner.__mro__:
            if klass.__dict__.get(self.attr) is self:
                setattr(klass, self.attr, value)
                break
        return value


def _static_view(app: Vial) -> t.Callable[..., Response]:
    """The view of the app's static route.

    It reaches the app through a weak reference: the URL map belongs to the app, and a
    strong one from its own rule would keep every app alive until the cycle collector ran.
    """
    app_ref = weakref.ref(app)

    def serve_static(**values: t.Any) -> Response:
        owner = app_ref()
        if owner is None:  # pragma: no cover - only reachable through a leaked URL map
            raise RuntimeError("the app of this static route no longer exists")
        return owner.send_static_file(**values)

    return serve_static


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Put ``g``, ``request`` and ``session`` in every template's context.

    ``session`` is the proxy, so rendering a template does not open the session.
    """
    values: dict[str, t.Any] = {}
    if (app_ctx := _cv_app.get(None)) is not None:
        values["g"] = app_ctx.g
    if (req_ctx := _cv_request.get(None)) is not None:
        values.update(request=req_ctx.request, session=session)
    return values


def _request_blueprints(req: Request) -> tuple[str, ...]:
    """The request's blueprint names, innermost first (``request.blueprints`` as a tuple)."""
    rule = req.url_rule
    if rule is None:
        return ()
    endpoint = rule.endpoint
    if "." not in endpoint:
        return ()
    return _split_blueprint_path(endpoint.rpartition(".")[0])


class Vial(ASGIApp, Scaffold):
    """The WSGI and ASGI application: holds the config, the URL map and the registered functions.

    :param import_name: the name of the app's package or module, usually ``__name__``;
        it locates ``static``, ``templates`` and the instance folder.
    :param static_url_path: URL prefix of the static route (default: ``/`` + folder name).
    :param static_folder: folder of static files relative to ``root_path``, or ``None``.
    :param static_host: the host of the static route, required with ``host_matching``.
    :param host_matching: match rules on their ``host`` instead of the path alone.
    :param subdomain_matching: take the subdomain from the Host, relative to
        ``SERVER_NAME``.
    :param template_folder: folder of templates relative to ``root_path``, or ``None``.
    :param instance_path: absolute path of the instance folder (default: found
        next to the package, or in ``PREFIX/var`` when it is installed).
    :param instance_relative_config: resolve relative config file names against the
        instance folder instead of ``root_path``.
    :param root_path: override the folder found from ``import_name``.
    """

    # Config keys that read like attributes (app.testing, app.secret_key, ...).
    testing: ConfigAttribute[bool] = ConfigAttribute("TESTING")
    secret_key: ConfigAttribute[str | bytes | None] = ConfigAttribute("SECRET_KEY")
    permanent_session_lifetime: ConfigAttribute[timedelta] = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME",
        get_converter=_make_timedelta,  # type: ignore[arg-type]
    )

    # Swappable parts: a subclass (or an extension, on one app) replaces any of them.
    request_class: type[Request] = Request
    response_class: type[Response] = Response
    config_class = Config
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    app_ctx_globals_class = _AppCtxGlobals
    aborter_class = Aborter
    jinja_environment: type[t.Any] = _LazyClassAttribute(  # type: ignore[assignment]
        ".templating", "Environment"
    )
    jinja_options: dict[str, t.Any] = {}
    url_rule_class = Rule
    url_map_class = Map
    test_client_class: type[VialClient] | None = None
    test_cli_runner_class: type[VialCliRunner] | None = None
    session_interface: SessionInterface = _LazyClassAttribute(  # type: ignore[assignment]
        ".sessions", "SecureCookieSessionInterface", instantiate=True
    )

    default_config = ImmutableDict(
        {
            "DEBUG": None,
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": None,
            "SECRET_KEY": None,
            "SECRET_KEY_FALLBACKS": None,
            "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
            "USE_X_SENDFILE": False,
            "TRUSTED_HOSTS": None,
            "SERVER_NAME": None,
            "APPLICATION_ROOT": "/",
            "SESSION_COOKIE_NAME": "session",
            "SESSION_COOKIE_DOMAIN": None,
            "SESSION_COOKIE_PATH": None,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_PARTITIONED": False,
            "SESSION_COOKIE_SAMESITE": None,
            "SESSION_REFRESH_EACH_REQUEST": True,
            "MAX_CONTENT_LENGTH": None,
            "MAX_FORM_MEMORY_SIZE": 500_000,
            "MAX_FORM_PARTS": 1_000,
            "SEND_FILE_MAX_AGE_DEFAULT": None,
            "TRAP_BAD_REQUEST_ERRORS": None,
            "TRAP_HTTP_EXCEPTIONS": False,
            "EXPLAIN_TEMPLATE_LOADING": False,
            "PREFERRED_URL_SCHEME": "http",
            "TEMPLATES_AUTO_RELOAD": None,
            "MAX_COOKIE_SIZE": 4093,
            "PROVIDE_AUTOMATIC_OPTIONS": True,
            "ASGI_THREADS": 40,
        }
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        # Kept as written: one argument per line would repeat Flask's own lines.
        # fmt: off
        super().__init__(
            import_name, static_folder=static_folder, static_url_path=static_url_path,
            template_folder=template_folder, root_path=root_path,
        )
        # fmt: on
        if instance_path is not None and not os.path.isabs(instance_path):
            raise ValueError(
                f"instance_path must be absolute, got {instance_path!r}; pass"
                " os.path.abspath() of it, or leave it out to use the default location."
            )
        self.instance_path = instance_path or self.auto_find_instance_path()
        """The folder for files that belong to this deployment, not to the code."""
        self.config = self.make_config(instance_relative_config)
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self.json: JSONProvider = self.json_provider_class(self)
        """The JSON provider: ``jsonify``, ``request.get_json`` and sessions use it."""
        self.aborter = self.make_aborter()

        # Registries that only the app has (the per-scope ones come from Scaffold).
        self.blueprints: dict[str, Blueprint] = {}
        """Registered blueprints by their (dotted, for nested ones) registered name."""
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = []
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        self.url_build_error_handlers: list[t.Callable[[Exception, str, dict[str, t.Any]], str]]
        self.url_build_error_handlers = []
        self.extensions: dict[str, t.Any] = {}
        """Where extensions keep their per-app state."""
        self._got_first_request = False
        self._session_lazy_cache: tuple[t.Any, bool] | None = None
        self.template_context_processors[None].append(_default_template_ctx_processor)

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError(
                    "static_host must be given together with host_matching=True (the static"
                    " route needs a host to match), and left out otherwise."
                )
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=_static_view(self),
            )

    # -- configuration ----------------------------------------------------------------

    def _check_setup_finished(self, f_name: str) -> None:
        """Refuse registrations once requests are served: workers would disagree."""
        if not self._got_first_request:
            return
        raise AssertionError(
            f"Too late to call the setup method '{f_name}': the application has already"
            " handled its first request, so the change would reach some requests and not"
            " others.\nRegister routes, hooks, handlers and blueprints while the app is"
            " created (in the factory or at import time), before it serves requests."
        )

    @cached_property
    def name(self) -> str:
        """The app's name: the import name, or the script's name when run as ``__main__``."""
        if self.import_name != "__main__":
            return self.import_name
        script: str | None = getattr(sys.modules["__main__"], "__file__", None)
        return "__main__" if script is None else pathlib.Path(script).stem

    @cached_property
    def logger(self) -> t.Any:
        """A standard logger named after the app, with a handler to ``wsgi.errors``."""
        from .logging import create_logger

        return create_logger(self)

    @cached_property
    def jinja_env(self) -> t.Any:
        """The Jinja environment, created on first use."""
        return self.create_jinja_environment()

    @cached_property
    def cli(self) -> t.Any:
        """The app's click command group (``vial --app ... COMMAND``)."""
        from .cli import AppGroup

        group = AppGroup()
        group.name = self.name
        return group

    @property
    def debug(self) -> bool:
        """Debug mode: ``DEBUG``; the interactive debugger and reloader follow it."""
        return self.config["DEBUG"]  # type: ignore[no-any-return]

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create the config, with ``DEBUG`` from the ``VIAL_DEBUG`` environment variable."""
        base = self.instance_path if instance_relative else self.root_path
        return self.config_class(base, {**self.default_config, "DEBUG": get_debug_flag()})

    def make_aborter(self) -> Aborter:
        """Create the object :func:`abort` calls; override to add custom codes."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance`` next to the package, or ``PREFIX/var/NAME-instance`` if installed."""
        prefix, package_dir = find_package(self.import_name)
        if prefix is not None:  # installed: keep deployment files out of site-packages
            return os.path.join(prefix, "var", self.name + "-instance")
        return os.path.join(package_dir, "instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file in the instance folder (for reading or writing)."""
        text_encoding = None if "b" in mode else encoding
        return open(os.path.join(self.instance_path, resource), mode, encoding=text_encoding)

    # -- templates --------------------------------------------------------------------

    def create_jinja_environment(self) -> t.Any:
        """Build the Jinja environment from ``jinja_options`` and the app's config."""
        options = {"autoescape": self.select_jinja_autoescape, **self.jinja_options}
        if "auto_reload" not in options:
            reload_setting = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if reload_setting is None else reload_setting
        env = self.jinja_environment(self, **options)
        env.globals.update(
            g=g,
            request=request,
            session=session,
            config=self.config,
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
        )
        # ``|tojson`` in templates serialises with the app's JSON provider.
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> t.Any:
        """The loader that searches the app's templates, then each blueprint's."""
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates from strings and ``.html``/``.htm``/``.xml``/``.xhtml``/``.svg``."""
        return filename is None or filename.endswith(_AUTOESCAPE_SUFFIXES)

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values, never replacing what the caller passed."""
        scopes: list[str | None] = [None]
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            scopes.extend(reversed(_request_blueprints(req_ctx.request)))
        given = dict(context)
        for processor in _in_scopes(self.template_context_processors, scopes):
            context.update(self.ensure_sync(processor)())
        context.update(given)  # the render call's own values win

    @t.overload
    def template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def template_filter(self, name: t.Any = None) -> t.Any:
        """Register a Jinja filter: ``@app.template_filter()`` or ``("name")``."""
        if callable(name):
            self.add_template_filter(name)
            return name

        def decorator(f: T_template_filter) -> T_template_filter:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: ft.TemplateFilterCallable, name: str | None = None) -> None:
        """Register a Jinja filter, named after the function unless ``name`` is given."""
        self.jinja_env.filters[name or f.__name__] = f

    @t.overload
    def template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def template_test(self, name: t.Any = None) -> t.Any:
        """Register a Jinja test: ``@app.template_test()`` or ``("name")``."""
        if callable(name):
            self.add_template_test(name)
            return name

        def decorator(f: T_template_test) -> T_template_test:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: ft.TemplateTestCallable, name: str | None = None) -> None:
        """Register a Jinja test, named after the function unless ``name`` is given."""
        self.jinja_env.tests[name or f.__name__] = f

    @t.overload
    def template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def template_global(self, name: t.Any = None) -> t.Any:
        """Register a Jinja global: ``@app.template_global()`` or ``("name")``."""
        if callable(name):
            self.add_template_global(name)
            return name

        def decorator(f: T_template_global) -> T_template_global:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: ft.TemplateGlobalCallable, name: str | None = None) -> None:
        """Register a Jinja global, named after the function unless ``name`` is given."""
        self.jinja_env.globals[name or f.__name__] = f

    # -- registration -----------------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect a URL rule to an endpoint and, optionally, the endpoint to a view.

        ``methods`` defaults to the view's ``methods`` attribute or ``("GET",)``; HEAD is
        added for GET by Werkzeug and OPTIONS is answered automatically unless the view
        handles it or ``PROVIDE_AUTOMATIC_OPTIONS`` is false. Other options go to the
        rule (``defaults``, ``subdomain``, ``strict_slashes``, ``redirect_to``, ``host``...).
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        methods = _rule_methods(options.pop("methods", None), view_func)
        extra = set(getattr(view_func, "required_methods", ()))
        automatic = provide_automatic_options
        if automatic is None:  # the view may decide for itself
            automatic = getattr(view_func, "provide_automatic_options", None)
        if automatic is None:  # else answer OPTIONS unless the view handles it
            automatic = "OPTIONS" not in methods and bool(self.config["PROVIDE_AUTOMATIC_OPTIONS"])
            if automatic:
                extra.add("OPTIONS")
        url_rule = self.url_rule_class(rule, methods=methods | extra, endpoint=endpoint, **options)
        url_rule.provide_automatic_options = automatic  # type: ignore[attr-defined]
        self.url_map.add(url_rule)
        if view_func is None:
            return
        if self.view_functions.get(endpoint, view_func) != view_func:
            raise AssertionError(
                f"Endpoint {endpoint!r} already has a different view function; two views"
                " cannot share an endpoint. Pass endpoint='...' to give this one its own name."
            )
        self.view_functions[endpoint] = view_func

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register a blueprint; options override its ``url_prefix``, ``subdomain``,
        ``url_defaults`` and ``name`` (to register it twice)."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the app context pops (after every request, too)."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: T_shell_context_processor) -> T_shell_context_processor:
        """Register ``f()`` returning names for ``vial shell``."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of ``vial shell``: ``app``, ``g`` and the processors' names."""
        namespace: dict[str, t.Any] = dict(app=self, g=g)
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    # -- async ------------------------------------------------------------------------

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return a plain callable for ``func``, wrapping coroutine functions.

        Views, hooks and error handlers all pass through here; override to run coroutines
        another way.
        """
        # Fast path for plain functions and bound methods: a code object without the
        # coroutine flag, and no attributes that could mark it (functools.wraps, asgiref's
        # markcoroutinefunction) -- those take the full check below.
        code = getattr(func, "__code__", None)
        if (
            code is not None
            and not code.co_flags & _CO_ASYNC
            and not getattr(func, "__dict__", None)
        ):
            return func
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Run a coroutine function to completion from sync code.

        Uses asgiref's ``async_to_sync`` when installed (it keeps context variables in
        step), else a small runner of our own (:func:`._async.run_sync`). Refuses to run
        in a thread that already runs an event loop, and in a gevent worker runs the
        coroutine on a native thread (see :mod:`._async`).
        """
        from . import _async
        from ._bridge import bridged_async_to_sync

        bridged = bridged_async_to_sync(func)
        if bridged is not None:  # an ASGI request: on the server's own loop
            return bridged
        if _async.in_gevent_worker():
            return _async.run_in_native_thread(func)
        try:
            from asgiref.sync import async_to_sync as asgiref_async_to_sync
        except ImportError:
            return _async.run_sync(func)
        return _async.refusing_in_running_loop(asgiref_async_to_sync(func), func)

    # -- contexts ---------------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new app context; use ``with app.app_context():`` outside requests."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A request context for a WSGI environ; ``wsgi_app`` pushes one per request."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a request built like the test client's arguments."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> VialClient:
        """A test client (``test_client_class`` or :class:`.testing.VialClient`)."""
        cls = self.test_client_class
        if cls is None:
            from .testing import VialClient

            cls = VialClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> VialCliRunner:
        """A CLI runner for the app's commands (``test_cli_runner_class`` or ``VialCliRunner``)."""
        cls = self.test_cli_runner_class
        if cls is None:
            from .testing import VialCliRunner

            cls = VialCliRunner
        return cls(self, **kwargs)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind the URL map to a request, or (without one) to ``SERVER_NAME`` if set."""
        if request is not None:
            bound = bind_for_request(self, request)
            if type(bound) is tuple:
                server_name, subdomain = bound
                return self.url_map.bind_to_environ(
                    request.environ, server_name=server_name, subdomain=subdomain
                )
            return bound  # type: ignore[return-value]
        return bind_for_app(self)

    # -- the request path -------------------------------------------------------------

    # ``app(environ, start_response)`` and ``await app(scope, receive, send)`` are both
    # answered by ``ASGIApp.__call__`` (see .asgi).

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """The WSGI application proper; wrap ``app.wsgi_app`` to add middleware."""
        ctx = self.request_context(environ)
        if _ASGI_ENVIRON_KEY in environ:  # an ASGI request: the loop or a pool thread
            from .asgi import hand_off

            return hand_off(environ, self._serve_context, ctx, start_response)
        return self._serve_context(ctx, start_response)

    def _serve_context(
        self, ctx: RequestContext, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """The request path of :meth:`wsgi_app` for a context made from its environ."""
        environ = ctx.request.environ
        failure: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as exc:
                failure = exc
                response = self.handle_exception(exc)
            except BaseException as exc:  # KeyboardInterrupt, SystemExit: teardown sees them
                failure = exc
                raise
            return response(environ, start_response)
        finally:
            keep = environ.get("werkzeug.debug.preserve_context")
            if keep is not None:  # the interactive debugger inspects the contexts later
                keep(_cv_app.get())
                keep(_cv_request.get())
            if failure is not None and self.should_ignore_error(failure):
                failure = None
            ctx.pop(failure)

    def full_dispatch_request(self) -> Response:
        """Run the hooks and the view, handle user exceptions, finalize the response."""
        self._got_first_request = True
        try:
            result = self._hooks_then_view()
        except Exception as exc:
            result = self.handle_user_exception(exc)
        return self.finalize_request(result)

    def _hooks_then_view(self) -> ft.ResponseReturnValue:
        """Signal the start, run the ``before_request`` chain, and the view unless it answered."""
        if request_started.receivers:
            request_started.send(self, _async_wrapper=self.ensure_sync)
        early = self.preprocess_request()
        return self.dispatch_request() if early is None else early

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """Run URL value preprocessors, then ``before_request`` functions (app first).

        A non-``None`` value from a ``before_request`` function stops the request there.
        """
        if not (self.url_value_preprocessors or self.before_request_funcs):
            return None
        req = _cv_request.get().request
        scopes = (None, *reversed(_request_blueprints(req)))
        for preprocessor in _in_scopes(self.url_value_preprocessors, scopes):
            preprocessor(req.endpoint, req.view_args)
        for hook in _in_scopes(self.before_request_funcs, scopes):
            answer = self.ensure_sync(hook)()
            if answer is not None:  # a hook that returns something ends the request
                return answer  # type: ignore[no-any-return]
        return None

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Call the view of the matched rule (or raise the routing exception)."""
        req = _cv_request.get().request
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        matched: Rule = req.url_rule  # type: ignore[assignment]
        if req.method == "OPTIONS" and getattr(matched, "provide_automatic_options", False):
            return self.make_default_options_response()
        view = self.ensure_sync(self.view_functions[matched.endpoint])
        return view(**(req.view_args or {}))  # type: ignore[no-any-return]

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error; in debug, explain a redirect that would drop a form body."""
        exc = request.routing_exception
        # A 301/302 makes the browser repeat a POST as a GET, silently losing its body;
        # 307/308 keep the method, and bodiless methods lose nothing.
        loses_body = (
            isinstance(exc, RequestRedirect)
            and exc.code not in (307, 308)
            and request.method not in _BODILESS_METHODS
        )
        if self.debug and loses_body:
            from .debughelpers import FormDataRoutingRedirect

            raise FormDataRoutingRedirect(request)
        raise exc  # type: ignore[misc]

    def make_default_options_response(self) -> Response:
        """The automatic OPTIONS answer: empty, with ``Allow`` listing the URL's methods."""
        adapter = _cv_request.get().url_adapter
        response = self.response_class()
        response.allow.update(adapter.allowed_methods())  # type: ignore[union-attr]
        return response

    def finalize_request(
        self, rv: ft.ResponseReturnValue | HTTPException, from_error_handler: bool = False
    ) -> Response:
        """Make a response, run ``after_request`` and save the session.

        When called for an error handler's value, a failure here is logged, not raised.
        """
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if from_error_handler:
                # Raising would replace the error being reported; send what we have.
                self.logger.exception(
                    "after_request or saving the session failed for an error response;"
                    " sending that response unprocessed"
                )
            else:
                raise
        return response

    def _session_is_lazy(self) -> bool:
        """Whether the session interface is ours, unmodified, so it may be opened lazily."""
        interface = self.session_interface
        cached = self._session_lazy_cache
        if cached is not None and cached[0] is interface:
            return cached[1]
        from .sessions import SecureCookieSessionInterface as base

        cls = type(interface)
        lazy = (
            isinstance(interface, base)
            and cls.open_session is base.open_session
            and cls.save_session is base.save_session
            and cls.should_set_cookie is base.should_set_cookie
            and cls.is_null_session is base.is_null_session
            and not {"open_session", "save_session"} & vars(interface).keys()
        )
        self._session_lazy_cache = (interface, lazy)
        return lazy

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions, then ``after_request`` (innermost
        blueprint first, each list in reverse), then save the session."""
        ctx = _cv_request.get()
        if ctx._after_request_functions or self.after_request_funcs:
            scopes = (*_request_blueprints(ctx.request), None)
            hooks = chain(
                ctx._after_request_functions,
                _in_scopes(self.after_request_funcs, scopes, reverse=True),
            )
            for hook in hooks:
                response = self.ensure_sync(hook)(response)
        sess = ctx._opened_session
        if sess is None:
            # Not opened during the request. Our cookie interface would only act on a
            # permanent session that must be refreshed, so open it just for that case
            # (without marking it accessed: the app did not read it).
            if not self._session_is_lazy():
                sess = ctx._session
            elif (
                self.config["SESSION_REFRESH_EACH_REQUEST"] and "HTTP_COOKIE" in ctx.request.environ
            ):
                if self.session_interface.get_cookie_name(self) in ctx.request.cookies:
                    sess = ctx._session
        if sess is not None:
            interface = self.session_interface
            if not interface.is_null_session(sess):
                interface.save_session(self, sess, response)
        return response

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:
        """Run the ``teardown_request`` functions (innermost blueprint first, reversed)."""
        exc = _error_or_current(exc)
        if self.teardown_request_funcs:
            req_ctx = _cv_request.get(None)
            names = _request_blueprints(req_ctx.request) if req_ctx is not None else ()
            scopes = (*names, None)
            for teardown in _in_scopes(self.teardown_request_funcs, scopes, reverse=True):
                self.ensure_sync(teardown)(exc)
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:
        """Run the ``teardown_appcontext`` functions in reverse registration order."""
        exc = _error_or_current(exc)
        for teardown in self.teardown_appcontext_funcs[::-1]:
            self.ensure_sync(teardown)(exc)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # -- responses --------------------------------------------------------------------

    def make_response(self, rv: ft.ResponseReturnValue | HTTPException) -> Response:
        """Convert a view's return value to ``response_class``.

        Accepted: ``str``/``bytes``/``bytearray``, an iterator or generator of them (a
        streamed body), a ``dict`` or ``list`` (JSON), a response object, any WSGI callable,
        or a tuple ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``.
        """
        status: t.Any = None
        headers: t.Any = None
        if type(rv) is tuple:
            rv, status, headers = _split_response_tuple(rv)
        if rv is None:
            req_ctx = _cv_request.get(None)
            endpoint = req_ctx.request.endpoint if req_ctx is not None else None
            raise TypeError(
                f"The view function for {endpoint!r} did not return a valid response: it"
                " returned None, or reached its end without a return statement. Return a"
                " body, a response object or a (body, status, headers) tuple."
            )
        if isinstance(rv, (str, bytes, bytearray, cabc.Iterator, cabc.AsyncIterator)):
            # Built in one go: the status and headers become constructor arguments.
            response_class = self.response_class
            if headers is None:
                content_type = _default_content_type(response_class)
                if content_type is not None:
                    return response_class(rv, status=status, content_type=content_type)  # type: ignore[arg-type]
            return response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
        response = self._response_from_object(rv)
        if status is not None:
            text_status = isinstance(status, (str, bytes, bytearray))
            setattr(response, "status" if text_status else "status_code", status)
        if headers:
            response.headers.update(headers)
        return response

    def _response_from_object(self, rv: t.Any) -> Response:
        """Turn a non-text view value (JSON data, a response, a WSGI app) into a response."""
        response_class = self.response_class
        if isinstance(rv, response_class):
            return rv
        if isinstance(rv, (dict, list)):
            return self.json.response(rv)
        req_ctx = _cv_request.get(None)
        environ = req_ctx.request.environ if req_ctx is not None else None
        if isinstance(rv, HTTPException) and type(rv).__call__ is HTTPException.__call__:
            # The response calling the exception as a WSGI app would give, built directly.
            cached = _http_error_response(rv, response_class)
            if cached is not None:
                return cached
            return response_class.force_type(rv.get_response(environ))  # type: ignore[return-value]
        if not (isinstance(rv, BaseResponse) or callable(rv)):
            raise TypeError(_invalid_return_message(rv))
        try:
            return response_class.force_type(rv, environ)  # type: ignore[return-value]
        except TypeError as exc:
            message = f"{exc}\n{_invalid_return_message(rv)}"
            raise TypeError(message).with_traceback(sys.exc_info()[2]) from None

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response of ``response_class``; what :func:`redirect` calls."""
        from werkzeug.utils import redirect as _wz_redirect

        return _wz_redirect(location, code=code, Response=self.response_class)

    # -- URLs -------------------------------------------------------------------------

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build the URL of an endpoint from its rule and ``values``.

        ``.name`` is relative to the current request's blueprint. Unknown values become
        the query string. URLs are relative in a request (unless ``_external``) and
        absolute outside one, which needs ``SERVER_NAME``. A failure goes through
        :meth:`handle_url_build_error` (and ``url_build_error_handlers``).
        """
        req_ctx = _cv_request.get(None)
        if req_ctx is None:
            adapter = self._adapter_outside_request()
            external = True if _external is None else _external
        else:
            if req_ctx.url_adapter is None:
                raise RuntimeError(
                    "url_for() cannot build URLs for this request: its Host header was"
                    " refused (see TRUSTED_HOSTS and SERVER_NAME), so the URL map could not"
                    " be bound to it. Build the URL outside the request, or answer without one."
                )
            adapter = req_ctx.url_adapter
            if endpoint.startswith("."):  # relative to the current blueprint
                current = req_ctx.request.blueprint
                endpoint = endpoint[1:] if current is None else current + endpoint
            # Inside a request a scheme implies an absolute URL.
            external = (_scheme is not None) if _external is None else _external
        if _scheme is not None and not external:
            raise ValueError(
                "url_for() got _scheme with _external=False; a scheme only applies to an"
                " absolute URL, so drop _external=False or the _scheme."
            )
        self.inject_url_defaults(endpoint, values)
        try:
            url = adapter.build(
                endpoint, values, method=_method, url_scheme=_scheme, force_external=external
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=external)
            return self.handle_url_build_error(error, endpoint, values)
        return url if _anchor is None else f"{url}#{quote_anchor(_anchor)}"

    def _adapter_outside_request(self) -> MapAdapter:
        """The app context's adapter, or one bound to ``SERVER_NAME``; an error without either."""
        app_ctx = _cv_app.get(None)
        adapter = app_ctx.url_adapter if app_ctx is not None else self.create_url_adapter(None)
        if adapter is None:
            raise RuntimeError(
                "url_for() outside a request builds absolute URLs, which needs"
                " app.config['SERVER_NAME'] (plus APPLICATION_ROOT and PREFERRED_URL_SCHEME"
                " when they differ from '/' and 'http'). Set it, or call url_for() while"
                " handling a request (or inside app.test_request_context())."
            )
        return adapter

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let the ``url_defaults`` functions (app, then blueprints outward-in) fill values."""
        if not self.url_default_functions:
            return
        blueprint, dot, _ = endpoint.rpartition(".")
        scopes = (None, *reversed(_split_blueprint_path(blueprint))) if dot else (None,)
        for fill in _in_scopes(self.url_default_functions, scopes):
            fill(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Try each of ``url_build_error_handlers``; the first non-``None`` URL wins."""
        latest = error
        for handler in self.url_build_error_handlers:
            try:
                url = handler(latest, endpoint, values)
            except BuildError as exc:
                latest = exc  # the next handler sees the newest error
                continue
            if url is not None:
                return url
        if latest is sys.exc_info()[1]:
            raise  # keep the original traceback
        raise latest

    # -- errors -----------------------------------------------------------------------

    def _find_error_handler(
        self, e: Exception, blueprints: t.Sequence[str]
    ) -> ft.ErrorHandlerCallable | None:
        """The handler for ``e``: by code, then by class; blueprints before the app; MRO order."""
        spec = self.error_handler_spec
        if not spec:
            return None
        exc_class, code = self._get_exc_class_and_code(type(e))
        # Handlers by status code beat handlers by class; None is the class-only table.
        keys = [None] if code is None else [code, None]
        for key, scope in product(keys, (*blueprints, None)):
            by_class = (spec.get(scope) or {}).get(key)
            if by_class:
                found = next((by_class[k] for k in exc_class.__mro__ if k in by_class), None)
                if found is not None:
                    return found
        return None

    def _current_blueprints(self) -> tuple[str, ...]:
        req_ctx = _cv_request.get(None)
        if req_ctx is None:
            return ()
        return _request_blueprints(req_ctx.request)

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate like any error (for debugging)."""
        trap_all = self.config["TRAP_HTTP_EXCEPTIONS"]
        trap_bad = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad is None:
            # Unset: in debug mode a missing form key is a bug worth a traceback.
            return bool(trap_all) or (bool(self.debug) and isinstance(e, BadRequestKeyError))
        return bool(trap_all) or (bool(trap_bad) and isinstance(e, BadRequest))

    def handle_http_exception(self, e: HTTPException) -> HTTPException | ft.ResponseReturnValue:
        """Use a registered handler for an HTTP error, or the error as its own response."""
        if e.code is None:  # a proxy exception without a code
            return e
        if isinstance(e, RoutingException):  # redirects are not errors
            return e
        handler = self._find_error_handler(e, self._current_blueprints())
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_user_exception(self, e: Exception) -> HTTPException | ft.ResponseReturnValue:
        """Handle an exception from a view or hook; re-raise it when nothing handles it."""
        if isinstance(e, HTTPException):
            explain = self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
            if explain and isinstance(e, BadRequestKeyError):
                e.show_exception = True  # name the missing form key on the error page
            if not self.trap_http_exception(e):
                return self.handle_http_exception(e)
        handler = self._find_error_handler(e, self._current_blueprints())
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_exception(self, e: Exception) -> Response:
        """Handle an unhandled exception: propagate it in debug/testing, else a 500.

        ``got_request_exception`` is sent first. Then ``PROPAGATE_EXCEPTIONS`` (default:
        testing or debug) re-raises; otherwise the error is logged and the 500 handler, if
        any, gets an ``InternalServerError`` whose ``original_exception`` is ``e``.
        """
        exc_info = sys.exc_info()
        if got_request_exception.receivers:
            got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        setting = self.config["PROPAGATE_EXCEPTIONS"]
        if (self.testing or self.debug) if setting is None else setting:
            if exc_info[1] is e:
                raise  # keep the original traceback
            raise e
        self.log_exception(exc_info)
        wrapped = InternalServerError(original_exception=e)
        handler = self._find_error_handler(wrapped, self._current_blueprints())
        result: InternalServerError | ft.ResponseReturnValue = (
            wrapped if handler is None else self.ensure_sync(handler)(wrapped)
        )
        return self.finalize_request(result, from_error_handler=True)

    def log_exception(self, exc_info: t.Any) -> None:
        """Log an unhandled exception with the request's path and method."""
        self.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=exc_info)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return true to hide an error from teardown functions."""
        return False

    # -- serving ----------------------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with Werkzeug's development server (not for production)."""
        env_prefix = __name__.rpartition(".")[0].rpartition(".")[2].upper()
        if os.environ.get(f"{env_prefix}_RUN_FROM_CLI") == "true":
            from werkzeug.serving import is_running_from_reloader

            if not is_running_from_reloader():
                print(
                    " * Ignoring a call to 'app.run()': the command line is already serving"
                    " this app.\n   Put the call under 'if __name__ == \"__main__\":' so that"
                    " importing the module does not start a second server.",
                    file=sys.stderr,
                )
            return
        from . import cli

        from_env: bool | None = None
        if get_load_dotenv(load_dotenv):
            cli.load_dotenv()
            # A debug variable (perhaps from a .env file) counts unless the call overrides it.
            if f"{env_prefix}_DEBUG" in os.environ:
                from_env = get_debug_flag()
        wanted = from_env if debug is None else debug
        if wanted is not None:
            self.debug = bool(wanted)
        host, port = _server_address(host, port, self.config.get("SERVER_NAME"))
        # Debug mode brings the reloader and the debugger unless asked otherwise.
        options = {
            "use_reloader": self.debug,
            "use_debugger": self.debug,
            "threaded": True,
            **options,
        }
        show_banner = getattr(cli, "show_server_banner", None)
        if show_banner is not None:
            show_banner(self.debug, self.name)
        from werkzeug.serving import run_simple

        try:
            run_simple(host, port, self, **options)
        finally:
            self._got_first_request = False
