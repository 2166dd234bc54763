"""Registration shared by the app and blueprints: routes, hooks, error handlers.

Registration is pure bookkeeping into dicts keyed by blueprint name (``None`` is the app),
so it needs no request and no globals. The app reads these dicts on the request path;
blueprints copy theirs into the app when registered.
"""

from __future__ import annotations

import os
import pathlib
import sys
import typing as t
from collections import defaultdict
from functools import cached_property, wraps

from werkzeug.exceptions import HTTPException, default_exceptions

from . import typing as ft
from .helpers import get_root_path, send_from_directory

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import BaseLoader

    _HandlersByCode = dict[int | None, dict[type[Exception], ft.ErrorHandlerCallable]]
    _AfterRequest = ft.AfterRequestCallable[t.Any]
    _ContextProcessor = ft.TemplateContextProcessorCallable
    _URLPreprocessor = ft.URLValuePreprocessorCallable

    from .cli import AppGroup
    from .wrappers import Response

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)
T_route = t.TypeVar("T_route", bound=ft.RouteCallable)

_sentinel = object()

_HOOK_REGISTRIES = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "template_context_processors",
    "url_value_preprocessors",
    "url_default_functions",
)
"""Per-scope lists of functions, each starting as ``defaultdict(list)``."""


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it too late is an error, not a silent no-op."""
    method_name = f.__name__

    @wraps(f)
    def guarded(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(method_name)
        return f(self, *args, **kwargs)

    return t.cast(F, guarded)


def _endpoint_from_view_func(view_func: ft.RouteCallable | None) -> str:
    """A rule added without an endpoint is named after its view function."""
    if view_func is None:
        raise AssertionError(
            "add_url_rule() needs an endpoint= name when there is no view function."
        )
    return view_func.__name__


def _get_exc_class_and_code(
    exc_class_or_code: type[Exception] | int,
) -> tuple[type[Exception], int | None]:
    """Normalise an error handler key to ``(exception class, HTTP code or None)``."""
    key = exc_class_or_code
    if isinstance(key, int):
        if key not in default_exceptions:
            raise ValueError(
                f"{key} is not an HTTP error code Werkzeug knows. Use a subclass of"
                " HTTPException with that code, and register the handler for the class."
            )
        key = default_exceptions[key]
    exc_class = key
    if isinstance(exc_class, Exception):
        raise TypeError(
            f"{exc_class!r} is an instance, not a class. Register the handler for its class"
            f" ({type(exc_class).__name__}) or for an HTTP status code."
        )
    if not issubclass(exc_class, Exception):
        raise ValueError(
            f"{exc_class.__name__!r} is not a subclass of Exception. Error handlers take an"
            " Exception subclass or an HTTP status code."
        )
    code = exc_class.code if issubclass(exc_class, HTTPException) else None
    return exc_class, code


class Scaffold:
    """The registration API common to :class:`Vial` and :class:`Blueprint`."""

    if t.TYPE_CHECKING:  # pragma: no cover
        # Read-only here, so the app may compute it (a cached property) while a blueprint
        # stores the one it is given.
        @property
        def name(self) -> str:
            """The name endpoints, blueprints and the logger are keyed by."""
            raise NotImplementedError

    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        """Where the app or blueprint is defined (usually its ``__name__``); finds ``root_path``."""
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        """The template folder, relative to ``root_path``, or ``None``."""
        self.root_path = get_root_path(import_name) if root_path is None else root_path
        """The folder that relative static, template and resource paths start from."""
        self.view_functions: dict[str, ft.RouteCallable] = {}

        # The registries below are keyed by scope: a blueprint's name, or None for the app.
        self.error_handler_spec: dict[ft.AppOrBlueprintKey, _HandlersByCode]
        """scope -> HTTP status code (None for handlers by class) -> exception class -> handler"""
        self.error_handler_spec = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[ft.AppOrBlueprintKey, list[ft.BeforeRequestCallable]]
        self.after_request_funcs: dict[ft.AppOrBlueprintKey, list[_AfterRequest]]
        self.teardown_request_funcs: dict[ft.AppOrBlueprintKey, list[ft.TeardownCallable]]
        self.template_context_processors: dict[ft.AppOrBlueprintKey, list[_ContextProcessor]]
        self.url_value_preprocessors: dict[ft.AppOrBlueprintKey, list[_URLPreprocessor]]
        self.url_default_functions: dict[ft.AppOrBlueprintKey, list[ft.URLDefaultCallable]]
        for registry in _HOOK_REGISTRIES:
            setattr(self, registry, defaultdict(list))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        """Raise when registering is no longer allowed; the app and blueprints decide when."""
        raise NotImplementedError(f"{type(self).__name__} does not say when setup ends")

    @cached_property
    def cli(self) -> AppGroup:
        """Click commands registered here; created on first use so importing skips click."""
        from .cli import AppGroup

        return AppGroup()

    # -- static files and templates ---------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or ``None``."""
        folder = self._static_folder
        return None if folder is None else os.path.join(self.root_path, folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        # Trailing separators would make the default URL path end in "/".
        self._static_folder = None if value is None else os.fspath(value).rstrip("\\/")

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is configured (it need not exist)."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of the static route; defaults to the folder's name."""
        explicit = self._static_url_path
        if explicit is not None:
            return explicit
        folder = self.static_folder
        return None if folder is None else ("/" + os.path.basename(folder)).rstrip("/")

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = None if value is None else value.rstrip("/")

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` for a sent file: ``SEND_FILE_MAX_AGE_DEFAULT`` (None = no cache time).

        Override to vary it by file name.
        """
        from .globals import current_app

        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return value  # type: ignore[no-any-return]

    def send_static_file(self, filename: str) -> Response:
        """The view of the static route: a file from ``static_folder``, never outside it."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError(
                f"{self!r} has no static folder to serve files from; pass static_folder="
                " when creating it."
            )
        return send_from_directory(folder, filename, max_age=self.get_send_file_max_age(filename))

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """A loader for ``template_folder``, or ``None`` when there is none."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> t.IO[t.Any]:
        """Open a file relative to ``root_path`` for reading."""
        if mode not in ("r", "rt", "rb"):
            raise ValueError(
                f"open_resource() opens files for reading only ('r', 'rt' or 'rb'), not {mode!r};"
                " write files in the instance folder with open_instance_resource()."
            )
        text_encoding = None if mode == "rb" else encoding
        return open(os.path.join(self.root_path, resource), mode, encoding=text_encoding)

    # -- routes -----------------------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> t.Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError(
                f"{method.lower()}() fixes the method to {method}; use route(rule, methods=[...])"
                " to choose the methods yourself."
            )
        return self.route(rule, **options, methods=[method])

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``; see :meth:`add_url_rule`."""

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def websocket(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated ``async def`` function as the WebSocket handler for ``rule``.

        Served by ASGI servers; see :mod:`.websockets`. Options are those of :meth:`route`.
        """
        from .websockets import websocket_view

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            options.setdefault("provide_automatic_options", False)
            self.add_url_rule(rule, endpoint, websocket_view(f), websocket=True, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view of an endpoint added without one."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- request hooks ----------------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each request; a non-``None`` return value is the response."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each successful request; it returns the response."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the request context pops, even after an unhandled error."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(self, f: T_template_context_processor) -> T_template_context_processor:
        """Register ``f()`` returning a dict merged into every template's context."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(self, f: T_url_value_preprocessor) -> T_url_value_preprocessor:
        """Run ``f(endpoint, view_args)`` before the request hooks; it may pop view args."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` when building URLs; it may fill ``values`` in place."""
        self.url_default_functions[None].append(f)
        return f

    # -- error handlers ---------------------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function to handle an HTTP code or an exception class."""

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ft.ErrorHandlerCallable
    ) -> None:
        """The non-decorator form of :meth:`errorhandler`."""
        exc_class, code = _get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    _get_exc_class_and_code = staticmethod(_get_exc_class_and_code)


def _path_is_relative_to(path: pathlib.PurePath, base: str) -> bool:
    try:
        path.relative_to(base)
        return True
    except ValueError:
        return False


def _find_package_path(import_name: str) -> str:
    """The folder that contains the module, or the folder that contains the package."""
    import importlib.util

    top_level = import_name.split(".", 1)[0]
    try:
        spec = importlib.util.find_spec(top_level)
    except (ImportError, ValueError):  # ValueError: in sys.modules without a spec
        spec = None
    if spec is None:  # not importable (an interactive session): use where we are
        return os.getcwd()
    folders = spec.submodule_search_locations
    if not folders:  # a plain module
        return os.path.dirname(spec.origin)  # type: ignore[type-var,return-value]
    if spec.origin not in (None, "namespace"):  # a regular package: origin is its __init__
        return os.path.dirname(os.path.dirname(spec.origin))
    return os.path.dirname(_namespace_folder(import_name, list(folders)))


def _namespace_folder(import_name: str, folders: list[str]) -> str:
    """Which of a namespace package's folders holds the imported subpackage."""
    import importlib.util

    inner = importlib.util.find_spec(import_name)
    if inner is None or not inner.submodule_search_locations:
        return folders[0]
    inner_path = pathlib.Path(os.path.commonpath(inner.submodule_search_locations))
    return next(folder for folder in folders if _path_is_relative_to(inner_path, folder))


def find_package(import_name: str) -> tuple[str | None, str]:
    """Return ``(install prefix or None, folder holding the package)`` for the instance path.

    An installed package (under ``sys.prefix``) keeps its instance folder in
    ``PREFIX/var/NAME-instance``; a package used from a source tree keeps it next to it.
    """
    package_dir = _find_package_path(import_name)
    prefix = os.path.abspath(sys.prefix)
    if _path_is_relative_to(pathlib.PurePath(package_dir), prefix):
        return prefix, package_dir
    # Installed outside sys.prefix (--user, --target): PREFIX/lib[/pythonX.Y]/site-packages.
    where = pathlib.PurePath(package_dir)
    if where.name.lower() != "site-packages":
        return None, package_dir  # a source checkout
    lib_or_version = where.parent
    if lib_or_version.name.lower() == "lib":
        return str(lib_or_version.parent), package_dir
    if lib_or_version.parent.name.lower() == "lib":
        return str(lib_or_version.parent.parent), package_dir
    return str(lib_or_version), package_dir
