"""The registration base class and its helpers under their Flask 3 ``sansio`` module name."""

from __future__ import annotations

from ..scaffold import (
    Scaffold,
    T_after_request,
    T_before_request,
    T_error_handler,
    T_route,
    T_teardown,
    T_template_context_processor,
    T_url_defaults,
    T_url_value_preprocessor,
    _endpoint_from_view_func,
    _find_package_path,
    find_package,
    setupmethod,
)

__all__ = [
    "Scaffold",
    "T_after_request",
    "T_before_request",
    "T_error_handler",
    "T_route",
    "T_teardown",
    "T_template_context_processor",
    "T_url_defaults",
    "T_url_value_preprocessor",
    "_endpoint_from_view_func",
    "_find_package_path",
    "find_package",
    "setupmethod",
]
