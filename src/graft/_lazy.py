"""Module-level ``__getattr__`` that imports a name's defining submodule on first use.

graft's package ``__init__`` files re-export names whose modules are expensive to import
(libcst, GitPython); this keeps ``import graft`` and ``graft --help`` fast.
"""

from __future__ import annotations

import importlib
import typing as t


def lazy_getattr(
    package: str, names: t.Mapping[str, str], namespace: dict[str, t.Any]
) -> t.Callable[[str], t.Any]:
    """A ``__getattr__`` for ``package`` that loads ``names[attr]`` (a submodule) on demand.

    The value is cached in ``namespace`` (the package's globals), so each name is
    resolved once.
    """

    def __getattr__(name: str) -> t.Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
