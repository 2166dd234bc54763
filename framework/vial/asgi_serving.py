"""``vial run --asgi``: serve the app with an installed ASGI server, reloader included.

uvicorn is preferred, hypercorn taken when uvicorn is missing; neither is a dependency of
the framework (``pip install 'vial-web[asgi]'``). With the reloader the server restarts a
child process that imports :mod:`._asgi_target`, which finds the app again the way the
command did (``--app``, ``VIAL_APP`` or ``wsgi.py``/``app.py``); without it the loaded app
object is served directly.
"""

from __future__ import annotations

import importlib
import os
import ssl
import typing as t

import click

if t.TYPE_CHECKING:  # pragma: no cover
    from .cli import ScriptInfo

_PACKAGE = __package__ or __name__.rpartition(".")[0]
_PREFIX = _PACKAGE.upper()
APP_VARIABLE = f"{_PREFIX}_APP"
"""The variable the reloaded child reads the app's import path from (as ``--app`` does)."""

SERVERS = ("uvicorn", "hypercorn")


def find_server() -> str:
    """The ASGI server to use: the first of :data:`SERVERS` installed, else a usage error."""
    for name in SERVERS:
        if _importable(name):
            return name
    raise click.ClickException(
        f"--asgi needs an ASGI server: {install_hint('uvicorn')} or hypercorn."
    )


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def install_hint(package: str) -> str:
    """How to install what ASGI serving needs: vial-web's extra, or the package for a fork.

    A fork made by ``graft fork`` ships inside the app, so it has no extras of its own.
    """
    if _PACKAGE == "vial":
        return "pip install 'vial-web[asgi]'" + (" (uvicorn)" if package == "uvicorn" else "")
    return f"pip install {package} greenlet" if package != "greenlet" else "pip install greenlet"


def serve_asgi(
    info: ScriptInfo,
    host: str,
    port: int,
    *,
    reload: bool,
    debugger: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str],
    exclude_patterns: list[str],
) -> None:
    """Run the chosen server in this process until it is stopped."""
    server = find_server()
    if not _importable("greenlet"):
        raise click.ClickException(f"--asgi needs greenlet: {install_hint('greenlet')}.")
    if debugger:
        raise click.UsageError(
            "Werkzeug's debugger is WSGI middleware and cannot serve over ASGI;"
            " drop --debugger (or --asgi)."
        )
    certfile, keyfile = _cert_files(cert)
    if reload:
        if info.app_import_path:
            os.environ[APP_VARIABLE] = info.app_import_path
        target: t.Any = f"{_PACKAGE}._asgi_target:app"
    else:
        target = info.load_app()
    click.echo(f" * ASGI server: {server}", err=True)
    if server == "uvicorn":
        _run_uvicorn(target, host, port, reload, certfile, keyfile, extra_files, exclude_patterns)
    else:
        _run_hypercorn(target, host, port, reload, certfile, keyfile)


def _cert_files(
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
) -> tuple[str | None, str | None]:
    if cert is None:
        return None, None
    if isinstance(cert, tuple):
        return cert
    raise click.UsageError(
        "With --asgi, --cert takes a certificate file and --key its key file;"
        " 'adhoc' and SSLContext objects work with Werkzeug's server only."
    )


def _run_uvicorn(
    target: t.Any,
    host: str,
    port: int,
    reload: bool,
    certfile: str | None,
    keyfile: str | None,
    extra_files: list[str],
    exclude_patterns: list[str],
) -> None:
    import uvicorn

    options: dict[str, t.Any] = {}
    if reload:
        directories = {os.getcwd(), *(os.path.dirname(os.path.abspath(f)) for f in extra_files)}
        options.update(reload=True, reload_dirs=sorted(directories))
        if _importable("watchfiles"):  # uvicorn's own reloader watches *.py files only
            options.update(
                reload_includes=["*.py", *(os.path.basename(f) for f in extra_files)],
                reload_excludes=exclude_patterns or None,
            )
    uvicorn.run(
        target,
        host=host,
        port=port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        lifespan="on",
        **options,
    )


def _run_hypercorn(
    target: t.Any,
    host: str,
    port: int,
    reload: bool,
    certfile: str | None,
    keyfile: str | None,
) -> None:
    import asyncio

    from hypercorn.config import Config

    config = Config()
    config.bind = [f"{host}:{port}"]
    config.certfile = certfile
    config.keyfile = keyfile
    config.accesslog = "-"
    if reload:
        from hypercorn.run import run

        config.application_path = target
        config.use_reloader = True
        run(config)
        return
    from hypercorn.asyncio import serve

    asyncio.run(serve(target, config))
