"""app.logger: named after the app, default handler to wsgi.errors, level in debug."""

from __future__ import annotations

import io
import logging

import pytest

from vial import Vial
from vial.logging import default_handler, has_level_handler, wsgi_errors_stream


@pytest.fixture(autouse=True)
def reset_logging(pytestconfig: pytest.Config):
    # pytest's capture handlers on the root logger would count as "a handler exists".
    logging_plugin = pytestconfig.pluginmanager.unregister(name="logging-plugin")
    root_handlers = logging.root.handlers[:]
    logging.root.handlers = []
    root_level = logging.root.level
    logger = logging.getLogger("vial_test")
    logger.handlers = []
    logger.setLevel(logging.NOTSET)
    yield
    logging.root.handlers[:] = root_handlers
    logging.root.setLevel(root_level)
    logger.handlers = []
    logger.setLevel(logging.NOTSET)
    if logging_plugin:
        pytestconfig.pluginmanager.register(logging_plugin, "logging-plugin")


def test_logger_name_and_default_handler(app: Vial) -> None:
    logger = app.logger
    assert logger.name == "vial_test"
    assert logger is logging.getLogger("vial_test")
    assert default_handler in logger.handlers
    assert logger.level == logging.NOTSET


def test_debug_sets_level(app: Vial) -> None:
    app.debug = True
    assert app.logger.level == logging.DEBUG


def test_existing_handler_is_respected(app: Vial) -> None:
    logging.root.addHandler(logging.StreamHandler(io.StringIO()))
    assert has_level_handler(app.logger)
    assert default_handler not in app.logger.handlers


def test_has_level_handler_respects_propagate_and_levels() -> None:
    logger = logging.getLogger("vial_test.child")
    assert not has_level_handler(logger)
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(logging.ERROR)
    logging.root.addHandler(handler)
    logger.setLevel(logging.INFO)
    assert not has_level_handler(logger)  # the handler's level is too high
    handler.setLevel(logging.INFO)
    assert has_level_handler(logger)
    logger.propagate = False
    assert not has_level_handler(logger)
    logger.propagate = True


def test_logs_go_to_wsgi_errors(app: Vial, client) -> None:
    errors = io.StringIO()

    @app.route("/")
    def index():
        app.logger.warning("from the view")
        return ""

    client.get("/", errors_stream=errors)
    assert "WARNING in test_logging: from the view" in errors.getvalue()


def test_unhandled_error_logged(app: Vial) -> None:
    app.testing = False
    errors = io.StringIO()

    @app.route("/")
    def index():
        raise ZeroDivisionError("logged error")

    app.test_client().get("/", errors_stream=errors)
    text = errors.getvalue()
    assert "ERROR in app: Exception on / [GET]" in text
    assert "ZeroDivisionError: logged error" in text


def test_wsgi_errors_stream_outside_request() -> None:
    import sys

    assert wsgi_errors_stream._get_current_object() is sys.stderr
