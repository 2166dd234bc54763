"""The ``vial`` command line: app discovery, ``run``, ``shell``, ``routes``.

Everything that imports click lives here (and in :mod:`.testing`), and the app
imports this module only when ``app.cli`` is first used, so ``import vial``
stays free of click. Names derived from the package (``VIAL_APP``,
``.vialenv``, the ``vial.commands`` entry-point group) follow ``__package__``,
so a renamed copy of the framework needs no edits here.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import os
import pathlib
import platform
import sys
import traceback
import typing as t
from functools import update_wrapper
from operator import itemgetter

import click
from click.core import ParameterSource

from .globals import _cv_app, current_app
from .helpers import get_debug_flag, get_load_dotenv

if t.TYPE_CHECKING:  # pragma: no cover
    import ssl
    from types import ModuleType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .app import Vial

_PACKAGE = __package__ or __name__.rpartition(".")[0]
_PREFIX = _PACKAGE.upper()
_DOTENV_FILE = f".{_PACKAGE}env"

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _app_class() -> type[Vial]:
    from .app import Vial

    return Vial


class NoAppError(click.UsageError):
    """The app could not be found or loaded; the message says how to point
    the command at it."""


#: Flask's public name for :class:`NoAppError`. Code moved over from Flask
#: (``from flask.cli import NoAppException``) and extensions patched onto vial
#: keep importing and catching it under that name, so it stays an alias of the
#: same class rather than a second exception type.
NoAppException = NoAppError


def find_best_app(module: ModuleType) -> Vial:
    """Find the app in an imported module: an ``app`` or ``application``
    variable, the only app instance, or a ``create_app``/``make_app`` factory
    that takes no arguments.

    :raises NoAppError: none, or more than one, was found.
    """
    app_class = _app_class()
    kind, where = app_class.__name__, module.__name__
    conventional = (getattr(module, name, None) for name in ("app", "application"))
    found = next((obj for obj in conventional if isinstance(obj, app_class)), None)
    if found is not None:
        return found

    instances = [value for value in vars(module).values() if isinstance(value, app_class)]
    if len(instances) > 1:
        raise NoAppError(
            f"Module '{where}' holds {len(instances)} {kind} applications and none is"
            f" called 'app'; choose one with '{where}:name'."
        )
    if instances:
        return instances[0]

    for factory_name in ("create_app", "make_app"):
        factory = getattr(module, factory_name, None)
        if not inspect.isfunction(factory):
            continue
        app = _call_factory(
            factory,
            (),
            {},
            f"The factory '{factory_name}' in module '{where}' needs arguments; give them"
            f" in the app string, as in '{where}:{factory_name}(args)'.",
        )
        if isinstance(app, app_class):
            return app

    raise NoAppError(
        f"No {kind} application or factory found in module '{where}': define 'app' or"
        f" 'create_app()' there, or name the object with '{where}:name'."
    )


def _call_factory(
    factory: t.Callable[..., t.Any],
    args: t.Sequence[t.Any],
    kwargs: dict[str, t.Any],
    complaint: str,
) -> t.Any:
    """Call an app factory; a ``TypeError`` about its arguments becomes ``complaint``.

    A ``TypeError`` raised inside the factory's body is a bug in the app and propagates.
    """
    try:
        return factory(*args, **kwargs)
    except TypeError as exc:
        if _called_with_wrong_args(factory):
            raise NoAppError(complaint) from exc
        raise


def _called_with_wrong_args(f: t.Callable[..., t.Any]) -> bool:
    """Whether the ``TypeError`` being handled came from calling ``f`` with
    the wrong arguments, rather than from inside ``f``."""
    body = f.__code__
    # If a frame of f's own code is in the traceback, f ran and the error is its own.
    return all(frame.f_code is not body for frame, _ in traceback.walk_tb(sys.exc_info()[2]))


def find_app_by_string(module: ModuleType, app_name: str) -> Vial:
    """Get the app named by ``app_name``: a variable (``app``) or a factory
    call with literal arguments (``create_app('dev', debug=True)``).

    :raises NoAppError: the string cannot be parsed, the name is missing, or
        it does not give an app.
    """
    app_class = _app_class()
    name, args, kwargs = _parse_app_expression(app_name)
    if not hasattr(module, name):
        raise NoAppError(f"Module {module.__name__!r} has no attribute {name!r}.")
    target = getattr(module, name)
    app = target
    if inspect.isfunction(target):
        app = _call_factory(
            target,
            args,
            kwargs,
            f"Calling {app_name!r} in module {module.__name__!r} failed: the factory does"
            " not accept those arguments.",
        )
    if not isinstance(app, app_class):
        raise NoAppError(
            f"'{module.__name__}:{app_name}' gave a {type(app).__name__}, not a"
            f" {app_class.__name__} application."
        )
    return app


def _parse_app_expression(text: str) -> tuple[str, list[t.Any], dict[str, t.Any]]:
    """Split ``name`` or ``name(literal, key=literal)`` into the name and the arguments.

    Arguments are evaluated as literals only: the string comes from the command line or
    the environment, so it must not run code.
    """
    unreadable = NoAppError(
        f"Cannot read {text!r} as an app: use a variable name ('app') or a factory"
        " call ('create_app()', 'create_app(\"dev\")')."
    )
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise unreadable from None
    if isinstance(node, ast.Name):
        return node.id, [], {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise unreadable
    try:
        positional = [ast.literal_eval(item) for item in node.args]
        named = {item.arg: ast.literal_eval(item.value) for item in node.keywords if item.arg}
    except ValueError:
        raise NoAppError(
            f"The arguments in {text!r} must be Python literals (strings, numbers, lists,"
            " dicts...): they are read without running any code."
        ) from None
    return node.func.id, positional, named


def prepare_import(path: str) -> str:
    """Turn a file or package path into a module name, putting the folder
    that contains the top-level package first on ``sys.path``."""
    target = pathlib.Path(os.path.realpath(path))
    if target.suffix == ".py":
        target = target.with_suffix("")
    if target.name == "__init__":
        target = target.parent
    # Climb while the folder is a package: the module name grows one part per level.
    parts = [target.name]
    folder = target.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    if not sys.path or sys.path[0] != str(folder):
        sys.path.insert(0, str(folder))
    return ".".join(parts)


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Vial: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[False] = ...
) -> Vial | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Vial | None:
    """Import ``module_name`` and find the app in it (see
    :func:`find_best_app` and :func:`find_app_by_string`).

    An ``ImportError`` raised while the module itself was importing is
    reported with its traceback, not as a missing module.
    """
    try:
        __import__(module_name)
    except ImportError as exc:
        # A traceback that goes past this frame means the module was found and its own
        # code failed to import something: show that, it is the real problem.
        trace = exc.__traceback__
        if trace is not None and trace.tb_next is not None:
            raise NoAppError(
                f"Module {module_name!r} was found, but importing it failed with this"
                f" ImportError:\n\n{traceback.format_exc()}"
            ) from None
        if not raise_if_not_found:
            return None
        raise NoAppError(
            f"Cannot import {module_name!r}: no such module on sys.path or in the current"
            " directory."
        ) from None
    module = sys.modules[module_name]
    return find_best_app(module) if app_name is None else find_app_by_string(module, app_name)


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """``--version``: print the Python, framework and Werkzeug versions."""
    if not value or ctx.resilient_parsing:
        return
    own_version = getattr(sys.modules[_PACKAGE], "__version__", "unknown")
    click.echo(
        f"Python {platform.python_version()}\n"
        f"{_app_class().__name__} {own_version}\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the framework version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class ScriptInfo:
    """What commands need to load the app, passed as the click context object.

    :param app_import_path: ``module:name`` or a path, from ``--app``.
    :param create_app: a function returning the app; wins over the path.
    :param set_debug_flag: set ``app.debug`` from ``VIAL_DEBUG`` on load.
    :param load_dotenv_defaults: load ``.env`` and ``.vialenv``.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Vial] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.data: dict[t.Any, t.Any] = {}
        """Free storage for commands and extensions."""
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Vial | None = None

    def load_app(self) -> Vial:
        """Load the app once and return it on every later call.

        :raises NoAppError: it cannot be found.
        """
        if self._loaded_app is None:
            found = self._find_app()
            if self.set_debug_flag:
                found.debug = get_debug_flag()
            self._loaded_app = found
        return self._loaded_app

    def _find_app(self) -> Vial:
        made: Vial | None = None
        if self.create_app is not None:
            made = self.create_app()
        elif self.app_import_path:
            path, name = _split_import_path(self.app_import_path)
            made = locate_app(prepare_import(path), name)
        else:
            for default_file in ("wsgi.py", "app.py"):
                module_name = prepare_import(default_file)
                made = locate_app(module_name, None, raise_if_not_found=False)
                if made is not None:
                    break
        if made is None:
            raise NoAppError(
                f"No {_app_class().__name__} application to load: name it with"
                f" '{_PACKAGE} --app module:name' or {_PREFIX}_APP, or define it in 'wsgi.py'"
                " or 'app.py' in the current directory."
            )
        return made


def _split_import_path(import_path: str) -> tuple[str, str | None]:
    """Split ``path:name`` at the first colon that does not start a Windows
    path (``C:\\app.py``, ``C:/app.py``)."""
    for i, char in enumerate(import_path):
        if char == ":" and import_path[i + 1 : i + 2] not in ("/", "\\"):
            return import_path[:i], import_path[i + 1 :]
    return import_path, None


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run a click command callback inside the app's context, loading the
    app if no context is active (commands on ``app.cli`` get this for free)."""

    @click.pass_context
    def in_app_context(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not current_app:
            info = ctx.ensure_object(ScriptInfo)
            # A click resource: the context pops when the command's click context closes.
            ctx.with_resource(info.load_app().app_context())
        return ctx.invoke(f, *args, **kwargs)

    return t.cast(F, update_wrapper(in_app_context, f))


class AppGroup(click.Group):
    """A click group whose commands run in the app context by default; pass
    ``with_appcontext=False`` to a command to opt out."""

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.command`, wrapping the callback with
        :func:`with_appcontext`. Works with and without parentheses."""
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return self.command()(args[0])
        in_context = kwargs.pop("with_appcontext", True)
        make_command = super().command(*args, **kwargs)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            return make_command(with_appcontext(f) if in_context else f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is None:
        return None
    ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The application to run, as 'module:name' or a path to a Python file;"
        " 'module:create_app(args)' calls a factory. Without it, the"
        " application is looked for in 'wsgi.py' or 'app.py'."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Option, value: bool) -> bool | None:
    # Only an explicit flag or env var sets the variable; the default must
    # not override what the app configured itself.
    source = ctx.get_parameter_source(param.name)
    if source is None or source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    os.environ[f"{_PREFIX}_DEBUG"] = "1" if value else "0"
    return value


_debug_option = click.Option(
    ["--debug/--no-debug"],
    callback=_set_debug,
    expose_value=False,
    help=f"Turn debug mode on or off (sets {_PREFIX}_DEBUG for the app).",
)


def _env_file_callback(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "reading an env file needs python-dotenv: install it, or drop --env-file.",
                ctx=ctx,
                param=param,
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


_env_file_option = click.Option(
    ["-e", "--env-file"],
    callback=_env_file_callback,
    type=click.Path(exists=True, dir_okay=False),
    help=(
        f"A dotenv file whose variables override those of '.env' and '{_DOTENV_FILE}'"
        " (needs python-dotenv)."
    ),
    is_eager=True,
    expose_value=False,
)


class VialGroup(AppGroup):
    """The ``vial`` command group: finds the app, then offers the built-in
    commands, plugin commands and the app's own ``app.cli`` commands.

    :param add_default_commands: add ``run``, ``shell`` and ``routes``.
    :param create_app: a function returning the app, instead of ``--app``.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env`` and ``.vialenv``.
    :param set_debug_flag: set ``app.debug`` from ``--debug``/``VIAL_DEBUG``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Vial] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        ours = [_env_file_option, _app_option, _debug_option]
        if add_version_option:
            ours.append(version_option)
        params: list[click.Parameter] = [*(extra.pop("params", None) or ()), *ours]
        # Every option can come from the environment too: VIAL_APP, VIAL_DEBUG, ...
        extra.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", _PREFIX)
        super().__init__(params=params, **extra)
        self.create_app = create_app
        """Builds the app instead of ``--app`` (for a project's own script)."""
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        self._plugins_loaded = False
        for command in (run_command, shell_command, routes_command) if add_default_commands else ():
            self.add_command(command)

    def _load_plugin_commands(self) -> None:
        """Add commands that installed packages declare under ``vial.commands`` (once)."""
        if self._plugins_loaded:
            return
        for entry in importlib.metadata.entry_points(group=f"{_PACKAGE}.commands"):
            self.add_command(entry.load(), entry.name)
        self._plugins_loaded = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        own = super().get_command(ctx, name)
        if own is not None:
            return own
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppError as problem:
            _print_error(f"Error: {problem.format_message()}")
            return None
        active = _cv_app.get(None)
        if active is None or active.app is not app:
            # The app's commands may need its context while click resolves them.
            ctx.with_resource(app.app_context())
        found: click.Command | None = app.cli.get_command(ctx, name)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        # Help must still work when the app cannot be loaded: say why it is
        # missing, then list the built-in commands.
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppError as problem:
            _print_error(f"Error: {problem.format_message()}")
        except Exception:
            _print_error(traceback.format_exc())
        else:
            names.update(app.cli.list_commands(ctx))
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # Lets app.run() know the CLI is already serving the app.
        os.environ[f"{_PREFIX}_RUN_FROM_CLI"] = "true"
        if parent is None and extra.get("color") is None:
            # Subcommands, the app's own included, inherit the setting from this context.
            extra["color"] = _color_from_environment()
        # Kept as written: one argument per line would repeat Flask's own lines.
        # fmt: off
        if "obj" not in extra and "obj" not in self.context_settings:
            # Commands reach the app through this object (see pass_script_info).
            extra["obj"] = ScriptInfo(
                create_app=self.create_app, set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)
        # fmt: on

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            help_only = self.no_args_is_help
        else:
            help_only = len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        if help_only:
            # Help is printed before the eager options run; process the env
            # file and the app option (from env vars) now so help lists the
            # app's commands.
            for option in (_env_file_option, _app_option):
                option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files, if python-dotenv is
    installed.

    ``path`` wins over ``.env``, which wins over ``.vialenv`` (both found by
    searching up from the working directory); variables already in the
    environment are never overwritten.

    :return: whether any variable was found in the files.
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(_DOTENV_FILE):
            click.secho(
                f" * Tip: .env or {_DOTENV_FILE} files are ignored until python-dotenv is"
                " installed.",
                fg="yellow",
                err=True,
                color=_use_color(),
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for default_name in (_DOTENV_FILE, ".env"):
            default_path = dotenv.find_dotenv(default_name, usecwd=True)
            if default_path:
                data.update(dotenv.dotenv_values(default_path, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))

    # The real environment wins over every file; keys without a value are skipped.
    os.environ.update(
        {key: value for key, value in data.items() if value is not None and key not in os.environ}
    )
    return bool(data)


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and the debug mode, once (not again in the
    reloader's child process)."""
    from werkzeug.serving import is_running_from_reloader

    lines = []
    if app_import_path is not None:
        lines.append(f" * Serving {_app_class().__name__} app '{app_import_path}'")
    if debug is not None:
        lines.append(" * Debug mode: " + ("on" if debug else "off"))
    if not is_running_from_reloader():  # the parent process printed it already
        for line in lines:
            click.echo(line)


def _color_from_environment() -> bool | None:
    """``NO_COLOR`` turns colour off, ``FORCE_COLOR`` on (each when not empty; ``NO_COLOR``
    wins); None leaves it to click, which colours a terminal only."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def _use_color() -> bool | None:
    """The colour setting of the running command, or of the environment outside one
    (``app.run()`` loads dotenv files before any click context exists)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    return _color_from_environment()


def _print_error(text: str) -> None:
    click.secho(text + "\n", err=True, fg="red", color=_use_color())


if t.TYPE_CHECKING:  # pragma: no cover
    _ParamTypeBase = click.ParamType[t.Any]
else:  # click before 8.2 has no type parameter
    _ParamTypeBase = click.ParamType


class CertParamType(_ParamTypeBase):
    """``--cert``: a certificate file, ``adhoc``, or an import path to an
    ``ssl.SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        _require_module("ssl", '"--cert" needs a Python built with the ssl module.', ctx, param)
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            # Not a file: "adhoc", or the import path of an SSLContext.
            choice = click.STRING(value, param, ctx).lower()
            if choice == "adhoc":
                _require_module(
                    "cryptography",
                    '"--cert adhoc" makes a certificate with the cryptography package;'
                    " install it first.",
                    ctx,
                    param,
                )
                return choice
            import ssl

            from werkzeug.utils import import_string

            context = import_string(choice, silent=True)
            if not isinstance(context, ssl.SSLContext):
                raise
            return context


def _require_module(
    name: str, message: str, ctx: click.Context | None, param: click.Parameter | None
) -> None:
    """Turn a missing optional module into a usage error on the option that needs it."""
    try:
        importlib.import_module(name)
    except ImportError:
        raise click.BadParameter(message, ctx, param) from None


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a certificate file, never with ``adhoc`` or a
    context object."""
    import ssl

    cert = ctx.params.get("cert")
    # With "adhoc" or an SSLContext the key is already part of the certificate.
    self_contained = cert == "adhoc" or isinstance(cert, ssl.SSLContext)
    if value is None:
        if cert and not self_contained:
            raise click.BadParameter(
                'a certificate file from "--cert" needs its key file.', ctx, param
            )
        return value
    if self_contained:
        raise click.BadParameter(
            f'"--key" has no use with "--cert {cert if cert == "adhoc" else "<SSLContext>"}":'
            " that certificate carries its own key.",
            ctx,
            param,
        )
    if not cert:
        raise click.BadParameter('"--key" only works together with "--cert".', ctx, param)
    ctx.params["cert"] = cert, value
    return value


class SeparatedPathType(click.Path):
    """A list of paths separated by ``os.pathsep``, each checked as a path."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        items = self.split_envvar_value(value)
        return [super(SeparatedPathType, self).convert(item, param, ctx) for item in items]


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option(
    "--cert",
    is_eager=True,
    type=CertParamType(),
    help="Serve HTTPS: a certificate file, 'adhoc' for a throwaway one, or an SSLContext's import path.",
)
@click.option(
    "--key",
    expose_value=False,
    callback=_validate_key,
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    help="The private key file that goes with the '--cert' file.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart the server when code changes (default: on in debug mode).",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Show Werkzeug's interactive debugger on errors (default: on in debug mode).",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Handle each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=f"More files whose changes restart the server, separated by {os.path.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=(
        "fnmatch patterns of files whose changes never restart the server, separated"
        f" by {os.path.pathsep!r}."
    ),
)
@click.option(
    "--asgi",
    is_flag=True,
    default=False,
    help="Serve with an installed ASGI server (uvicorn, else hypercorn) instead of Werkzeug's.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
    asgi: bool,
) -> None:
    """Serve the app with Werkzeug's development server.

    For working on the app only; production traffic needs a production WSGI
    server. '--debug' turns on the reloader and the debugger. '--asgi' serves it
    with uvicorn or hypercorn instead (async views concurrent on one event loop,
    WebSockets), with the reloader but without the debugger.
    """
    if asgi:
        from .asgi_serving import serve_asgi

        debug = get_debug_flag()
        show_server_banner(debug, info.app_import_path)
        serve_asgi(
            info,
            host,
            port,
            reload=debug if reload is None else reload,
            debugger=bool(debugger),
            cert=cert,
            extra_files=extra_files or [],
            exclude_patterns=exclude_patterns or [],
        )
        return
    from werkzeug.serving import is_running_from_reloader, run_simple

    try:
        app: WSGIApplication = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise e from None
        # In the reloader's child, keep serving so fixing the code reloads;
        # show the error on every request meanwhile.
        traceback.print_exc()
        err = e

        def app(environ: WSGIEnvironment, start_response: StartResponse) -> t.Iterable[bytes]:
            raise err from None

    if _use_color() is False:
        # Werkzeug colours its banner and request log whatever the stream, and this module
        # flag is the only way to turn that off.
        import werkzeug.serving

        werkzeug.serving._log_add_style = False
    debug = get_debug_flag()
    show_server_banner(debug, info.app_import_path)
    run_simple(
        host,
        port,
        app,
        ssl_context=cert,
        threaded=with_threads,
        use_reloader=debug if reload is None else reload,
        use_debugger=debug if debugger is None else debugger,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


# "vial run --debug" works as well as "vial --debug run".
run_command.params[:0] = [_debug_option]


@click.command("shell", short_help="Open a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Start Python's interactive console with the app context pushed.

    ``app``, ``g`` and every name the shell context processors return are predefined,
    so models and helpers are at hand without imports."""
    import code

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = "\n".join(
        (
            f"Python {sys.version} on {sys.platform}",
            f"App: {app.import_name}",
            f"Instance: {app.instance_path}",
        )
    )
    namespace: dict[str, t.Any] = {}
    # Honour PYTHONSTARTUP as the plain interpreter does.
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        source = pathlib.Path(startup).read_text()
        exec(compile(source, startup, "exec"), namespace)
    namespace.update(app.make_shell_context())

    # Tab completion and history, as in the default interactive interpreter.
    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        interactive_hook()

    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    default="endpoint",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    help="The column to sort by; 'match' keeps the order in which requests are matched.",
)
@click.option("--all-methods", is_flag=True, help="List HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """List the app's URL rules with their endpoints and methods."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}

    def domain(rule: t.Any) -> str:
        return (rule.host if url_map.host_matching else rule.subdomain) or ""

    # Column key -> (title, cell function); the domain column only when some rule has one.
    columns: dict[str, tuple[str, t.Callable[[t.Any], str]]] = {
        "endpoint": ("Endpoint", lambda rule: rule.endpoint),
        "methods": ("Methods", lambda rule: ", ".join(sorted((rule.methods or set()) - hidden))),
    }
    if any(map(domain, rules)):
        columns["domain"] = ("Host" if url_map.host_matching else "Subdomain", domain)
    columns["rule"] = ("Rule", lambda rule: rule.rule)
    table = [[cell(rule) for _, cell in columns.values()] for rule in rules]
    if sort in columns:  # "match" keeps the url map's order
        table.sort(key=itemgetter(list(columns).index(sort)))
    table.insert(0, [title for title, _ in columns.values()])
    widths = [max(map(len, column)) for column in zip(*table)]
    table.insert(1, ["-" * width for width in widths])
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


cli = VialGroup(
    name=_PACKAGE,
    help=f"""\
Run and manage {_PACKAGE} applications.

Name the app with '--app module:name' or {_PREFIX}_APP, or define it in
'wsgi.py' or 'app.py' in the current directory.
""",
)


def main() -> None:
    """The ``vial`` console script."""
    cli.main()


if __name__ == "__main__":
    main()
