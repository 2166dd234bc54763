"""The ``vial`` command line: app discovery, commands, dotenv files, the server.

The apps live in ``tests/vial/apps/`` as real modules; discovery imports them
exactly as ``vial --app`` would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import types
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vial import Blueprint, Vial, current_app
from vial.cli import (
    AppGroup,
    NoAppError,
    ScriptInfo,
    VialGroup,
    find_app_by_string,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    with_appcontext,
)

APPS = Path(__file__).parent / "apps"


@pytest.fixture(autouse=True)
def _isolate_imports() -> t.Iterator[None]:
    """Undo the ``sys.path`` entries and modules that discovery adds."""
    path = list(sys.path)
    modules = set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def in_apps(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(APPS)
    return APPS


def module(name: str, **attrs: t.Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


# -- find_best_app ------------------------------------------------------------------------


@pytest.mark.parametrize("attr", ["app", "application"])
def test_find_best_app_by_conventional_name(attr: str) -> None:
    app = Vial("x")
    assert find_best_app(module("m", **{attr: app, "other": Vial("y")})) is app


def test_find_best_app_single_instance() -> None:
    app = Vial("x")
    assert find_best_app(module("m", myapp=app)) is app


def test_find_best_app_factory() -> None:
    made: list[Vial] = []

    def create_app() -> Vial:
        made.append(Vial("made"))
        return made[-1]

    def make_app() -> Vial:
        raise AssertionError("create_app comes first")

    assert find_best_app(module("m", create_app=create_app, make_app=make_app)) is made[0]


def test_find_best_app_multiple_instances() -> None:
    with pytest.raises(NoAppError, match=r"Module 'm' holds 2 Vial applications.*'m:name'"):
        find_best_app(module("m", a=Vial("a"), b=Vial("b")))


def test_find_best_app_factory_needing_args() -> None:
    def create_app(config: str) -> Vial:
        return Vial(config)

    with pytest.raises(
        NoAppError, match=r"factory 'create_app'.*needs arguments.*'m:create_app\(args\)'"
    ):
        find_best_app(module("m", create_app=create_app))


def test_find_best_app_factory_with_inner_type_error() -> None:
    def create_app() -> Vial:
        raise TypeError("inner bug")

    with pytest.raises(TypeError, match="inner bug"):
        find_best_app(module("m", create_app=create_app))


def test_find_best_app_nothing() -> None:
    with pytest.raises(NoAppError, match=r"No Vial application or factory found in module 'm'"):
        find_best_app(module("m", create_app=lambda: "not an app", x=1))


# -- find_app_by_string -------------------------------------------------------------------


def test_find_app_by_string_variants(in_apps: Path) -> None:
    prepare_import("factory.py")
    import factory

    assert find_app_by_string(factory, "create_app").name == "factory"
    assert find_app_by_string(factory, "create_app()").name == "factory"
    app = find_app_by_string(factory, "create_named('dev', debug=True)")
    assert app.name == "dev" and app.config["MADE_WITH_DEBUG"] is True
    assert find_app_by_string(factory, ' create_named("x") ').name == "x"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("create_named(os.getcwd())", "must be Python literals"),
        ("create_app(", "Cannot read 'create_app\\(' as an app"),
        ("factory.create_app", "use a variable name"),
        ("missing", "Module 'factory' has no attribute 'missing'"),
        ("create_named()", "Calling 'create_named\\(\\)' in module 'factory' failed"),
        ("not_an_app", "'factory:not_an_app' gave a .*, not a Vial application"),
        ("notapp", "not a Vial application"),
    ],
)
def test_find_app_by_string_errors(in_apps: Path, expr: str, message: str) -> None:
    prepare_import("factory.py")
    import factory

    with pytest.raises(NoAppError, match=message):
        find_app_by_string(factory, expr)


def test_find_app_by_string_inner_type_error_propagates(in_apps: Path) -> None:
    prepare_import("factory.py")
    import factory

    with pytest.raises(TypeError, match="bug inside the factory"):
        find_app_by_string(factory, "raises_type_error")


# -- prepare_import and locate_app --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "folder"),
    [
        ("hello.py", "hello", APPS),
        ("hello", "hello", APPS),
        ("cliapp/app.py", "cliapp.app", APPS),
        ("cliapp/app", "cliapp.app", APPS),
        ("cliapp/__init__.py", "cliapp", APPS),
        ("cliapp", "cliapp", APPS),
    ],
)
def test_prepare_import(in_apps: Path, path: str, name: str, folder: Path) -> None:
    assert prepare_import(path) == name
    assert sys.path[0] == str(folder)


def test_prepare_import_does_not_duplicate_path(in_apps: Path) -> None:
    prepare_import("hello.py")
    prepare_import("hello.py")
    assert sys.path.count(str(APPS)) >= 1
    assert sys.path[1] != str(APPS)


@pytest.mark.parametrize(
    ("module_name", "app_name", "expected"),
    [
        ("hello", None, "hello"),
        ("hello", "app", "hello"),
        ("application_var", None, "application_var"),
        ("single_app", None, "single_app"),
        ("factory", None, "factory"),
        ("factory", "create_named('n')", "n"),
        ("make_app_factory", None, "make_app_factory"),
        ("cliapp.app", None, "cliapp.app"),
        ("cliapp.app", "testapp", "cliapp.app"),
    ],
)
def test_locate_app(in_apps: Path, module_name: str, app_name: str | None, expected: str) -> None:
    sys.path.insert(0, str(APPS))
    assert locate_app(module_name, app_name).name == expected


@pytest.mark.parametrize(
    ("module_name", "app_name", "message"),
    [
        ("notamodule", None, "Cannot import 'notamodule'"),
        ("no_app", None, "No Vial application or factory found in module 'no_app'"),
        ("multiple", None, "holds 2 Vial applications"),
        ("factory_args", None, "needs arguments"),
        ("cliapp.app", "notanapp", "has no attribute 'notanapp'"),
    ],
)
def test_locate_app_errors(
    in_apps: Path, module_name: str, app_name: str | None, message: str
) -> None:
    sys.path.insert(0, str(APPS))
    with pytest.raises(NoAppError, match=message):
        locate_app(module_name, app_name)


def test_locate_app_reports_import_errors_inside_the_module(in_apps: Path) -> None:
    sys.path.insert(0, str(APPS))
    with pytest.raises(NoAppError) as info:
        locate_app("import_error", None)
    message = info.value.format_message()
    assert "Module 'import_error' was found, but importing it failed" in message
    assert "vial_tests_module_that_does_not_exist" in message
    assert "Traceback" in message


def test_locate_app_missing_module_can_be_quiet(in_apps: Path) -> None:
    assert locate_app("notamodule", None, raise_if_not_found=False) is None


def test_factory_with_a_bug_is_not_hidden(in_apps: Path) -> None:
    sys.path.insert(0, str(APPS))
    with pytest.raises(TypeError, match="undefined_name"):
        locate_app("factory_bug", None)


# -- ScriptInfo ---------------------------------------------------------------------------


def test_script_info_from_import_path(in_apps: Path) -> None:
    info = ScriptInfo(app_import_path="cliapp.app:testapp")
    app = info.load_app()
    assert app.name == "cliapp.app"
    assert info.load_app() is app


def test_script_info_from_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    info = ScriptInfo(app_import_path=str(APPS / "cliapp" / "app.py"))
    assert info.load_app().name == "cliapp.app"
    info = ScriptInfo(app_import_path=f"{APPS / 'factory.py'}:create_named('p')")
    assert info.load_app().name == "p"


def test_script_info_create_app_wins() -> None:
    app = Vial("made")
    info = ScriptInfo(app_import_path="nowhere:app", create_app=lambda: app)
    assert info.load_app() is app


def test_script_info_finds_app_py_in_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(APPS / "envapp")
    assert ScriptInfo().load_app().name == "envapp"


def test_script_info_finds_wsgi_py_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "wsgi.py").write_text("from vial import Vial\napp = Vial('from_wsgi')\n")
    (tmp_path / "app.py").write_text("from vial import Vial\napp = Vial('from_app')\n")
    monkeypatch.chdir(tmp_path)
    assert ScriptInfo().load_app().name == "from_wsgi"


def test_script_info_without_any_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoAppError) as info:
        ScriptInfo().load_app()
    message = info.value.format_message()
    assert "No Vial application to load" in message
    assert "'vial --app module:name' or VIAL_APP" in message


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), (None, False)])
def test_script_info_sets_debug_from_env(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool
) -> None:
    if value is not None:
        monkeypatch.setenv("VIAL_DEBUG", value)
    app = Vial("x")
    app.debug = True
    assert ScriptInfo(create_app=lambda: app).load_app().debug is expected
    app.debug = True
    assert ScriptInfo(create_app=lambda: app, set_debug_flag=False).load_app().debug is True


# -- command groups -----------------------------------------------------------------------


def test_with_appcontext(runner: CliRunner) -> None:
    app = Vial("ctx_app")

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    result = runner.invoke(show, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert result.output == "ctx_app\n"


def test_app_group_commands_get_the_context(runner: CliRunner) -> None:
    # Not a standard-library name: Debian's python3 has grp built in, and a built-in module
    # has no folder for the app's root path (Flask refuses it the same way).
    app = Vial("grouped")
    group = AppGroup("group")

    @group.command()
    def with_ctx() -> None:
        click.echo(current_app.name)

    @group.command(with_appcontext=False)
    def without_ctx() -> None:
        click.echo(bool(current_app))

    @group.command
    def bare() -> None:
        click.echo(f"bare {current_app.name}")

    @group.group()
    def sub() -> None:
        pass

    @sub.command()
    def inner() -> None:
        click.echo(f"inner {current_app.name}")

    assert isinstance(sub, AppGroup)
    obj = ScriptInfo(create_app=lambda: app)
    assert runner.invoke(group, ["with-ctx"], obj=obj).output == "grouped\n"
    assert runner.invoke(group, ["without-ctx"], obj=obj).output == "False\n"
    assert runner.invoke(group, ["bare"], obj=obj).output == "bare grouped\n"
    assert runner.invoke(group, ["sub", "inner"], obj=obj).output == "inner grouped\n"


def test_vial_group_loads_app_commands(runner: CliRunner) -> None:
    app = Vial("custom")

    @app.cli.command("hi")
    def hi() -> None:
        click.echo(f"hi from {current_app.name}")

    cli = VialGroup(create_app=lambda: app)
    result = runner.invoke(cli, ["hi"])
    assert result.exit_code == 0, result.output
    assert result.output == "hi from custom\n"
    help_text = runner.invoke(cli, ["--help"]).output
    for name in ("hi", "routes", "run", "shell"):
        assert f"  {name}" in help_text


def test_vial_group_with_app_option_and_env(
    in_apps: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = VialGroup()
    result = runner.invoke(cli, ["--app", "hello", "greet"])
    assert result.exit_code == 0, result.output
    assert result.output == "greetings from hello\n"
    cli = VialGroup()
    monkeypatch.setenv("VIAL_APP", "hello")
    result = runner.invoke(cli, ["greet"])
    assert result.output == "greetings from hello\n"
    # Help with the app given by env var lists the app's commands too.
    assert "  greet" in runner.invoke(VialGroup(), ["--help"]).output


def test_blueprint_cli_groups(runner: CliRunner) -> None:
    app = Vial("bpcli")
    bp = Blueprint("admin", __name__)
    flat = Blueprint("flat", __name__, cli_group=None)

    @bp.cli.command("reset")
    def reset() -> None:
        click.echo(f"reset {current_app.name}")

    @flat.cli.command("top")
    def top() -> None:
        click.echo("top")

    app.register_blueprint(bp)
    app.register_blueprint(flat)
    cli = VialGroup(create_app=lambda: app)
    assert runner.invoke(cli, ["admin", "reset"]).output == "reset bpcli\n"
    assert runner.invoke(cli, ["top"]).output == "top\n"


def test_unknown_command_without_app_explains(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(VialGroup(), ["missing"])
    assert result.exit_code == 2
    assert "Error: No Vial application to load" in result.output
    assert "No such command 'missing'" in result.output


def test_help_shows_app_loading_error(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(VialGroup(), ["--app", "nowhere_at_all", "--help"])
    assert result.exit_code == 0
    assert "Cannot import 'nowhere_at_all'" in result.output
    assert "  routes" in result.output


def test_help_shows_traceback_when_app_import_crashes(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(VialGroup(), ["--app", "factory_bug", "--help"])
    assert result.exit_code == 0
    assert "Traceback" in result.output and "TypeError" in result.output


def test_version_option(runner: CliRunner) -> None:
    import vial

    result = runner.invoke(VialGroup(), ["--version"])
    assert result.exit_code == 0
    assert f"Vial {vial.__version__}" in result.output
    assert "Python " in result.output and "Werkzeug " in result.output


def test_debug_flag_sets_env_and_app(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    app = Vial("dbg")

    @app.cli.command("show")
    def show() -> None:
        click.echo(f"{current_app.debug} {os.environ.get('VIAL_DEBUG')}")

    cli = VialGroup(create_app=lambda: app)
    assert runner.invoke(cli, ["--debug", "show"]).output == "True 1\n"
    monkeypatch.delenv("VIAL_DEBUG")
    assert runner.invoke(cli, ["--no-debug", "show"]).output == "False 0\n"
    monkeypatch.delenv("VIAL_DEBUG")
    # Without the flag the environment is left alone.
    assert runner.invoke(cli, ["show"]).output == "False None\n"


def test_make_context_marks_cli_run(runner: CliRunner) -> None:
    app = Vial("marked")

    @app.cli.command("show")
    def show() -> None:
        click.echo(os.environ.get("VIAL_RUN_FROM_CLI"))

    assert runner.invoke(VialGroup(create_app=lambda: app), ["show"]).output == "true\n"


def test_plugin_commands_from_entry_points(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "vial_test_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: vial-test-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[vial.commands]\nplugged = vial_test_plugin_mod:plugged\n"
    )
    (tmp_path / "vial_test_plugin_mod.py").write_text(
        "import click\n\n@click.command()\ndef plugged():\n    click.echo('plugged in')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cli = VialGroup(create_app=lambda: Vial("x"))
    result = runner.invoke(cli, ["plugged"])
    assert result.exit_code == 0, result.output
    assert result.output == "plugged in\n"


# -- routes -------------------------------------------------------------------------------


def routes_app() -> Vial:
    app = Vial("routes")

    @app.get("/")
    def index() -> str:
        return ""

    @app.route("/users/<int:uid>", methods=["GET", "PUT", "DELETE"])
    def user(uid: int) -> str:
        return ""

    @app.post("/auth")
    def auth() -> str:
        return ""

    return app


def test_routes_default_sort_by_endpoint(runner: CliRunner) -> None:
    result = runner.invoke(VialGroup(create_app=routes_app), ["routes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    assert set(lines[1]) <= {"-", " "}
    assert [line.split()[0] for line in lines[2:]] == ["auth", "index", "static", "user"]
    assert "DELETE, GET, PUT" in result.output
    assert "HEAD" not in result.output and "OPTIONS" not in result.output


@pytest.mark.parametrize(
    ("sort", "first_column"),
    [
        ("rule", ["index", "auth", "static", "user"]),
        ("match", ["static", "index", "user", "auth"]),
        ("methods", ["user", "static", "index", "auth"]),  # stable: ties keep match order
    ],
)
def test_routes_sorting(runner: CliRunner, sort: str, first_column: list[str]) -> None:
    result = runner.invoke(VialGroup(create_app=routes_app), ["routes", "--sort", sort])
    assert [line.split()[0] for line in result.output.splitlines()[2:]] == first_column


def test_routes_all_methods_and_subdomains(runner: CliRunner) -> None:
    def make() -> Vial:
        app = routes_app()
        app.config["SERVER_NAME"] = "example.test"
        app.url_map.host_matching = False

        @app.get("/", subdomain="api", endpoint="api_index")
        def api_index() -> str:
            return ""

        return app

    result = runner.invoke(VialGroup(create_app=make), ["routes", "--all-methods"])
    lines = result.output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert "GET, HEAD, OPTIONS" in result.output
    assert any(line.split()[0] == "api_index" and "api" in line.split() for line in lines)


def test_routes_empty(runner: CliRunner) -> None:
    result = runner.invoke(
        VialGroup(create_app=lambda: Vial("empty", static_folder=None)), ["routes"]
    )
    assert result.output == "No routes were registered.\n"


# -- shell --------------------------------------------------------------------------------


def test_shell_runs_in_app_context(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Keep the real interpreter hook (readline history) out of the test.
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    app = Vial("shelled")

    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42}

    result = runner.invoke(
        VialGroup(create_app=lambda: app),
        ["shell"],
        input="print(app.name, answer, from_startup, g is not None)\n",
    )
    assert result.exit_code == 0, result.output
    assert "shelled 42 yes True" in result.output
    assert "App: shelled" in result.output


# -- dotenv -------------------------------------------------------------------------------


@pytest.fixture
def dotenv_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("VIAL_T_A", "VIAL_T_B", "VIAL_T_C", "VIAL_T_D", "VIAL_TEST_FROM_ENV"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / ".vialenv").write_text("VIAL_T_A=vialenv\nVIAL_T_B=vialenv\nVIAL_T_D=vialenv\n")
    (tmp_path / ".env").write_text("VIAL_T_B=env\nVIAL_T_C=env\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    yield tmp_path
    for key in ("VIAL_T_A", "VIAL_T_B", "VIAL_T_C", "VIAL_T_D", "VIAL_TEST_FROM_ENV"):
        os.environ.pop(key, None)


def test_load_dotenv_precedence(dotenv_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_T_D", "already set")
    assert load_dotenv() is True
    # Found by searching up from the working directory; .env wins over .vialenv;
    # the real environment wins over both.
    assert os.environ["VIAL_T_A"] == "vialenv"
    assert os.environ["VIAL_T_B"] == "env"
    assert os.environ["VIAL_T_C"] == "env"
    assert os.environ["VIAL_T_D"] == "already set"


def test_load_dotenv_explicit_file_wins(dotenv_dir: Path) -> None:
    custom = dotenv_dir / "custom.env"
    custom.write_text("VIAL_T_B=custom\n")
    assert load_dotenv(custom) is True
    assert os.environ["VIAL_T_B"] == "custom"
    assert os.environ["VIAL_T_A"] == "vialenv"


def test_load_dotenv_without_defaults(dotenv_dir: Path) -> None:
    custom = dotenv_dir / "custom.env"
    custom.write_text("VIAL_T_C=custom\n")
    assert load_dotenv(custom, load_defaults=False) is True
    assert os.environ["VIAL_T_C"] == "custom"
    assert "VIAL_T_A" not in os.environ
    assert load_dotenv(dotenv_dir / "missing.env", load_defaults=False) is False


def test_cli_loads_dotenv_before_finding_the_app(
    dotenv_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (dotenv_dir / ".env").write_text(
        f"VIAL_APP={APPS / 'envapp' / 'app.py'}\nVIAL_TEST_FROM_ENV=dotenv\n"
    )

    @click.command("show")
    @with_appcontext
    def show() -> None:
        click.echo(f"{current_app.name} {current_app.config['FROM_ENV']}")

    cli = VialGroup()
    cli.add_command(show)
    result = runner.invoke(cli, ["show"])
    assert result.exit_code == 0, result.output
    assert result.output == "envapp dotenv\n"


def test_cli_env_file_option(dotenv_dir: Path, runner: CliRunner) -> None:
    custom = dotenv_dir / "custom.env"
    custom.write_text("VIAL_T_C=from option\n")

    @click.command("show")
    def show() -> None:
        click.echo(os.environ.get("VIAL_T_C"))

    cli = VialGroup(create_app=lambda: Vial("x"))
    cli.add_command(show)
    assert runner.invoke(cli, ["-e", str(custom), "show"]).output == "from option\n"


def test_cli_skip_dotenv(
    dotenv_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIAL_SKIP_DOTENV", "1")

    @click.command("show")
    def show() -> None:
        click.echo(repr(os.environ.get("VIAL_T_C")))

    cli = VialGroup(create_app=lambda: Vial("x"))
    cli.add_command(show)
    assert runner.invoke(cli, ["show"]).output == "None\n"
    cli = VialGroup(create_app=lambda: Vial("x"), load_dotenv=False)
    monkeypatch.delenv("VIAL_SKIP_DOTENV")
    cli.add_command(show)
    assert runner.invoke(cli, ["show"]).output == "None\n"


def test_missing_env_file_is_a_usage_error(dotenv_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(VialGroup(create_app=lambda: Vial("x")), ["-e", "nope.env", "routes"])
    assert result.exit_code == 2
    assert "nope.env" in result.output


# -- run ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--key", '"--key" only works together with "--cert"'),
        ("--cert", 'a certificate file from "--cert" needs its key file'),
    ],
)
def test_run_rejects_half_a_certificate_pair(
    runner: CliRunner, tmp_path: Path, option: str, message: str
) -> None:
    pem = tmp_path / f"{option.lstrip('-')}.pem"
    pem.write_text("")
    result = runner.invoke(VialGroup(create_app=lambda: Vial("x")), ["run", option, str(pem)])
    assert result.exit_code == 2
    assert message in result.output


def test_run_reports_missing_app(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(VialGroup(), ["run"])
    assert result.exit_code == 2
    assert "No Vial application to load" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(paths: t.Sequence[str], **environ: str) -> tuple[list[bytes | None], str]:
    """Run ``vial --app hello run`` in ``tests/vial/apps``, GET each path, stop it.

    Returns the bodies (None for an error status) and everything the server printed.
    """
    script = Path(sys.executable).with_name("vial")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "vial.cli"]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIAL_")}
    env.update(environ)
    proc = subprocess.Popen(
        [*command, "--app", "hello", "run", "--port", str(port)],
        cwd=APPS,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    bodies: list[bytes | None] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        for path in paths:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as rv:
                    bodies.append(rv.read())
            except urllib.error.HTTPError:
                bodies.append(None)
    finally:
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    return bodies, output.decode()


def test_vial_run_serves_the_readme_app() -> None:
    """The README's quickstart, for real: ``vial --app hello run`` and fetch the page."""
    bodies, text = _serve(["/"])
    assert bodies == [b"Hello, World!"]
    assert " * Serving Vial app 'hello'" in text
    assert " * Debug mode: off" in text


def test_vial_run_honours_no_color() -> None:
    """Werkzeug styles the server's banner and request log even in a pipe; NO_COLOR stops it."""
    bodies, plain = _serve(["/", "/missing"], NO_COLOR="1")
    assert bodies == [b"Hello, World!", None]
    assert '"GET /missing HTTP/1.1" 404' in plain and "\x1b[" not in plain
    _, styled = _serve(["/missing"])
    assert "\x1b[33mGET /missing HTTP/1.1\x1b[0m" in styled  # a 404 is yellow


@pytest.mark.parametrize(
    ("env", "terminal", "coloured"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
    ],
)
def test_error_colour_follows_no_color_and_force_color(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    terminal: bool,
    coloured: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        VialGroup(), ["--app", "nowhere_at_all", "--help"], env=env, color=terminal
    )
    assert result.exit_code == 0
    assert "Cannot import 'nowhere_at_all'" in result.output
    assert ("\x1b[31mError: Cannot import" in result.output) is coloured


# -- small pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", ("hello", None)),
        ("hello:app", ("hello", "app")),
        ("pkg.mod:create_app('a:b')", ("pkg.mod", "create_app('a:b')")),
        ("C:\\apps\\hello.py", ("C:\\apps\\hello.py", None)),
        ("C:\\apps\\hello.py:app", ("C:\\apps\\hello.py", "app")),
        ("C:/apps/hello.py:create_app()", ("C:/apps/hello.py", "create_app()")),
    ],
)
def test_split_import_path(value: str, expected: tuple[str, str | None]) -> None:
    from vial.cli import _split_import_path

    assert _split_import_path(value) == expected


def test_separated_path_type(tmp_path: Path) -> None:
    from vial.cli import SeparatedPathType

    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("")
    b.write_text("")
    value = os.pathsep.join((str(a), str(b)))
    assert SeparatedPathType(exists=True).convert(value, None, None) == [str(a), str(b)]
    with pytest.raises(click.BadParameter):
        SeparatedPathType(exists=True).convert(str(tmp_path / "missing"), None, None)


def test_cert_param_accepts_ssl_context_import_path(runner: CliRunner, tmp_path: Path) -> None:
    import ssl

    from vial.cli import CertParamType

    (tmp_path / "vial_test_ssl_ctx.py").write_text(
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    )
    sys.path.insert(0, str(tmp_path))
    assert isinstance(CertParamType().convert("vial_test_ssl_ctx.ctx", None, None), ssl.SSLContext)
    with pytest.raises(click.BadParameter):
        CertParamType().convert("vial_test_ssl_ctx.missing", None, None)
    key = tmp_path / "key.pem"
    key.write_text("")
    result = runner.invoke(
        VialGroup(create_app=lambda: Vial("x")),
        ["run", "--cert", "vial_test_ssl_ctx.ctx", "--key", str(key)],
    )
    assert result.exit_code == 2
    assert '"--cert <SSLContext>": that certificate carries its own key' in result.output


def test_server_banner(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from vial.cli import show_server_banner

    show_server_banner(True, "hello")
    assert capsys.readouterr().out == " * Serving Vial app 'hello'\n * Debug mode: on\n"
    # The reloader's child process stays quiet: the parent already said it.
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    show_server_banner(True, "hello")
    assert capsys.readouterr().out == ""


def test_context_settings_obj_is_respected(runner: CliRunner) -> None:
    app = Vial("from_settings")
    info = ScriptInfo(create_app=lambda: app)

    @click.command("show")
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    cli = VialGroup(context_settings={"obj": info})
    cli.add_command(show)
    assert runner.invoke(cli, ["show"]).output == "from_settings\n"


def test_main_is_the_console_script() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vial.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("Vial ")


def test_adhoc_cert_needs_cryptography_or_rejects_key(runner: CliRunner, tmp_path: Path) -> None:
    from vial.cli import CertParamType

    try:
        import cryptography  # noqa: F401
    except ImportError:
        with pytest.raises(
            click.BadParameter, match="makes a certificate with the cryptography package"
        ):
            CertParamType().convert("adhoc", None, None)
        return
    assert CertParamType().convert("adhoc", None, None) == "adhoc"
    key = tmp_path / "key.pem"
    key.write_text("")
    result = runner.invoke(
        VialGroup(create_app=lambda: Vial("x")), ["run", "--cert", "adhoc", "--key", str(key)]
    )
    assert '"--key" has no use with "--cert adhoc"' in result.output


def test_run_options_come_from_prefixed_env(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # VIAL_RUN_PORT feeds `vial run --port`, as FLASK_RUN_PORT does for flask.
    monkeypatch.setenv("VIAL_RUN_PORT", "not-a-port")
    result = runner.invoke(VialGroup(create_app=lambda: Vial("x")), ["run"])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output
    assert "not-a-port" in result.output


def test_no_app_exception_is_flasks_name_for_no_app_error() -> None:
    """Code rewritten from ``from flask.cli import NoAppException`` must keep
    importing and catching the same exception vial raises."""
    from vial.cli import NoAppException

    assert NoAppException is NoAppError
    with pytest.raises(NoAppException):
        find_app_by_string(types.ModuleType("m"), "missing")
