"""Import-name validation for NEW_NAME."""

from __future__ import annotations

import pytest

from graft.errors import InvalidNameError
from graft.import_names import is_installed_module, is_stdlib_module, validate_import_name


@pytest.mark.parametrize("name", ["acme_web", "_private", "myflask2", "Café"[:3], "café", "ñame"])
def test_valid_names(name: str) -> None:
    assert validate_import_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("acme-web", "not a valid Python identifier"),
        ("2fast", "not a valid Python identifier"),
        ("acme.web", "not a valid Python identifier"),
        ("", "not a valid Python identifier"),
        ("cafe\u0301", "NFKC"),  # decomposed: `import` would look for the composed name
        ("ﬁle", "NFKC"),  # a ligature Python reads as "file"
        ("class", "keyword"),
        ("None", "keyword"),
        ("json", "standard-library"),
        ("sys", "standard-library"),
        ("click", "installed module"),
        ("werkzeug", "installed module"),
    ],
)
def test_invalid_names(name: str, message: str) -> None:
    with pytest.raises(InvalidNameError, match=message):
        validate_import_name(name)


def test_force_allows_shadowing_but_not_syntax() -> None:
    assert validate_import_name("json", force=True) == "json"
    assert validate_import_name("click", force=True) == "click"
    with pytest.raises(InvalidNameError):
        validate_import_name("for", force=True)


def test_predicates() -> None:
    assert is_stdlib_module("os") and not is_stdlib_module("acme_web")
    assert is_installed_module("libcst") and not is_installed_module("acme_web_not_installed")
