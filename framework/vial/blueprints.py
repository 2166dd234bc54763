"""Blueprints: groups of routes and hooks recorded now and replayed on an app later.

A blueprint keeps a list of *deferred* functions, each taking a
:class:`BlueprintSetupState`. Registering the blueprint on an app replays the list with the
prefix, subdomain, URL defaults and name of that one registration. That is what lets one
blueprint be registered several times (under different names) and be nested in another.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from functools import update_wrapper

from . import typing as ft
from .scaffold import Scaffold, _endpoint_from_view_func, setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Vial

DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]
F = t.TypeVar("F", bound=t.Callable[..., t.Any])
_T = t.TypeVar("_T")

_sentinel: t.Any = object()

# The per-scope registries a blueprint hands over to the app on registration.
_MERGED_REGISTRIES = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "url_default_functions",
    "url_value_preprocessors",
    "template_context_processors",
)


def _first_set(*values: _T | None) -> _T | None:
    """The first value that is not ``None`` (registration options beat blueprint defaults)."""
    for value in values:
        if value is not None:
            return value
    return None


def _join_url_prefix(outer: str | None, inner: str | None) -> str | None:
    """Nest a URL prefix in another: ``/a/`` + ``/b`` is ``/a/b``."""
    if outer is None or inner is None:
        return _first_set(inner, outer)
    return f"{outer.rstrip('/')}/{inner.lstrip('/')}"


def _join_subdomain(inner: str | None, outer: str | None) -> str | None:
    """Nest a subdomain in another: ``v1`` inside ``api`` is ``v1.api``."""
    if outer is None or inner is None:
        return _first_set(inner, outer)
    return f"{inner}.{outer}"


class BlueprintSetupState:
    """One registration of a blueprint on an app, handed to each deferred function."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: Vial,
        options: t.Any,
        first_registration: bool,
    ) -> None:
        self.app = app
        """The app the blueprint is being registered on."""
        self.blueprint = blueprint
        """The blueprint being registered."""
        self.options = options
        """The keyword arguments given to ``register_blueprint``."""
        self.first_registration = first_registration
        """Whether this blueprint object was not yet registered on this app."""
        self.subdomain: str | None = _first_set(options.get("subdomain"), blueprint.subdomain)
        """The subdomain of this registration's rules."""
        self.url_prefix: str | None = _first_set(options.get("url_prefix"), blueprint.url_prefix)
        """The prefix of this registration's rules."""
        self.name: str = options.get("name", blueprint.name)
        """The name of this registration (its endpoints start with it)."""
        self.name_prefix: str = options.get("name_prefix", "")
        """The dotted names of the enclosing blueprints, for a nested registration."""
        self.url_defaults: dict[str, t.Any] = {
            **blueprint.url_values_defaults,
            **dict(options.get("url_defaults", ())),
        }
        """Default view arguments of every rule of this registration."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app under this registration's prefix, subdomain and name."""
        prefix = self.url_prefix
        if prefix is not None:
            rule = f"{prefix.rstrip('/')}/{rule.lstrip('/')}" if rule else prefix
        options.setdefault("subdomain", self.subdomain)
        endpoint = endpoint if endpoint is not None else _endpoint_from_view_func(view_func)
        defaults = {**self.url_defaults, **options.pop("defaults", {})}
        full_endpoint = ".".join(p for p in (self.name_prefix, self.name, endpoint) if p)
        self.app.add_url_rule(rule, full_endpoint, view_func, defaults=defaults, **options)


class Blueprint(Scaffold):
    """A set of routes, hooks, templates and static files to register on apps.

    :param name: prefixed to the blueprint's endpoints (``name.view``); no dots.
    :param import_name: usually ``__name__``; locates ``root_path``.
    :param static_folder: a static folder, served at ``static_url_path`` under the prefix.
    :param static_url_path: the URL of the static folder (default: its name).
    :param template_folder: a template folder, searched after the app's own.
    :param url_prefix: prefixed to every rule.
    :param subdomain: the subdomain of every rule.
    :param url_defaults: default view arguments for every rule.
    :param root_path: override the folder found from ``import_name``.
    :param cli_group: the group name of its ``cli`` commands; ``None`` adds them to the
        app's top level.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if not name:
            raise ValueError("A blueprint needs a non-empty name.")
        if "." in name:
            raise ValueError(
                f"The blueprint name {name!r} may not contain a dot '.' character:"
                " dots separate the names of nested blueprints in endpoints."
            )
        self.name: str = name
        """Prefixed to the blueprint's endpoints (``name.view``)."""
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults = url_defaults or {}
        self.cli_group = cli_group
        self.deferred_functions: list[DeferredSetupFunction] = []
        """The functions replayed, in order, on each registration."""
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []
        """Nested blueprints and their registration options."""

    def _check_setup_finished(self, f_name: str) -> None:
        if not self._got_registered_once:
            return
        raise AssertionError(
            f"'{f_name}' was called on the blueprint '{self.name}' after it was"
            " registered on an app. Registrations are replayed when the blueprint is"
            " registered, so later ones would not be applied. Set the blueprint up"
            " completely before registering it."
        )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` on every registration of this blueprint."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` only on the blueprint's first registration on each app."""

        def only_first(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(update_wrapper(only_first, func))

    def make_setup_state(
        self, app: Vial, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state passed to the deferred functions; override to extend it."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest a blueprint: its names, prefixes and subdomains are relative to this one."""
        if blueprint is self:
            raise ValueError(f"The blueprint '{self.name}' cannot be nested in itself.")
        self._blueprints.append((blueprint, options))

    def register(self, app: Vial, options: dict[str, t.Any]) -> None:
        """Replay the recorded registrations on ``app`` (``app.register_blueprint`` calls this).

        :param options: ``url_prefix``, ``subdomain``, ``url_defaults``, ``name`` and
            ``cli_group`` override the blueprint's own; ``name_prefix`` is set for nesting.
        :raises ValueError: the name is taken on this app.
        """
        own_name = options.get("name", self.name)
        name = ".".join(p for p in (options.get("name_prefix", ""), own_name) if p)
        holder = app.blueprints.get(name)
        if holder is not None:
            which = "this blueprint" if holder is self else "another blueprint"
            where = "" if own_name == name else f" (as '{name}')"
            raise ValueError(
                f"The name '{own_name}'{where} is already registered for {which}."
                " Pass name='...' to register_blueprint to give this registration a"
                " unique name."
            )
        first_of_blueprint = all(bp is not self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_of_blueprint)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        # The name was free (checked above), so the hooks are merged under it.
        self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, name, options)

        for child, child_options in self._blueprints:
            nested = dict(child_options)
            nested["name_prefix"] = name
            nested["url_prefix"] = _join_url_prefix(
                state.url_prefix, _first_set(child_options.get("url_prefix"), child.url_prefix)
            )
            nested["subdomain"] = _join_subdomain(
                _first_set(child_options.get("subdomain"), child.subdomain), state.subdomain
            )
            child.register(app, nested)

    def _register_cli(self, app: Vial, name: str, options: dict[str, t.Any]) -> None:
        if "cli" not in self.__dict__ or not self.cli.commands:
            return  # no commands were added: do not import click
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app.cli.commands.update(self.cli.commands)
            return
        self.cli.name = name if group is _sentinel else group
        app.cli.add_command(self.cli)

    def _merge_blueprint_funcs(self, app: Vial, name: str) -> None:
        """Copy what was registered on this blueprint into the app, keyed by its name."""

        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[scoped(key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )
        app.view_functions.update(self.view_functions)
        for attr in _MERGED_REGISTRIES:
            target = getattr(app, attr)
            for key, funcs in getattr(self, attr).items():
                target[scoped(key)].extend(funcs)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a rule; it is added to the app, prefixed and named, on registration."""
        if endpoint and "." in endpoint:
            raise ValueError(
                f"The endpoint {endpoint!r} may not contain a dot '.' character;"
                " the blueprint's name is prefixed to it on registration."
            )
        view_name = getattr(view_func, "__name__", None)
        if view_name and "." in view_name:
            raise ValueError(
                f"The view function name {view_name!r} may not contain a dot '.' character;"
                " pass an endpoint name without dots."
            )

        def add(state: BlueprintSetupState) -> None:
            state.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )

        self.record(add)

    # -- registrations that apply to the whole app ------------------------------------

    def _on_app(self, apply: t.Callable[[Vial], None]) -> None:
        """Apply a registration to the app, once per app."""
        self.record_once(lambda state: apply(state.app))

    def _template_decorator(self, add: t.Callable[..., None], name: t.Any) -> t.Any:
        if callable(name):  # used bare: @bp.app_template_filter
            add(name)
            return name

        def decorator(f: F) -> F:
            add(f, name=name)
            return f

        return decorator

    @t.overload
    def app_template_filter(self, name: F) -> F: ...
    @t.overload
    def app_template_filter(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @setupmethod
    def app_template_filter(self, name: t.Any = None) -> t.Any:
        """Register a Jinja filter on the app, like :meth:`Vial.template_filter`."""
        return self._template_decorator(self.add_app_template_filter, name)

    @setupmethod
    def add_app_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Register a Jinja filter on the app when the blueprint is registered."""
        self._on_app(lambda app: app.add_template_filter(f, name=name))

    @t.overload
    def app_template_test(self, name: F) -> F: ...
    @t.overload
    def app_template_test(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @setupmethod
    def app_template_test(self, name: t.Any = None) -> t.Any:
        """Register a Jinja test on the app, like :meth:`Vial.template_test`."""
        return self._template_decorator(self.add_app_template_test, name)

    @setupmethod
    def add_app_template_test(self, f: ft.TemplateTestCallable, name: str | None = None) -> None:
        """Register a Jinja test on the app when the blueprint is registered."""
        self._on_app(lambda app: app.add_template_test(f, name=name))

    @t.overload
    def app_template_global(self, name: F) -> F: ...
    @t.overload
    def app_template_global(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @setupmethod
    def app_template_global(self, name: t.Any = None) -> t.Any:
        """Register a Jinja global on the app, like :meth:`Vial.template_global`."""
        return self._template_decorator(self.add_app_template_global, name)

    @setupmethod
    def add_app_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Register a Jinja global on the app when the blueprint is registered."""
        self._on_app(lambda app: app.add_template_global(f, name=name))

    @setupmethod
    def before_app_request(self, f: F) -> F:
        """Like :meth:`before_request`, for every request of the app."""
        self._on_app(lambda app: app.before_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def after_app_request(self, f: F) -> F:
        """Like :meth:`after_request`, for every request of the app."""
        self._on_app(lambda app: app.after_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: F) -> F:
        """Like :meth:`teardown_request`, for every request of the app."""
        self._on_app(lambda app: app.teardown_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_context_processor(self, f: F) -> F:
        """Like :meth:`context_processor`, for every template the app renders."""
        self._on_app(lambda app: app.template_context_processors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_errorhandler(self, code: type[Exception] | int) -> t.Callable[[F], F]:
        """Like :meth:`errorhandler`, for errors anywhere in the app."""

        def decorator(f: F) -> F:
            self._on_app(lambda app: app.register_error_handler(code, f))
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, f: F) -> F:
        """Like :meth:`url_value_preprocessor`, for every request of the app."""
        self._on_app(lambda app: app.url_value_preprocessors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: F) -> F:
        """Like :meth:`url_defaults`, for every URL the app builds."""
        self._on_app(lambda app: app.url_default_functions.setdefault(None, []).append(f))
        return f
