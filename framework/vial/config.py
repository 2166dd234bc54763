"""Configuration: a dict with loaders for objects, files, mappings and the environment.

Plain data loading that knows nothing about requests. Only UPPERCASE keys are settings,
so a module or class can keep helpers and imports next to its settings.
"""

from __future__ import annotations

import errno
import json
import os
import typing as t

from werkzeug.utils import import_string

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Vial

T = t.TypeVar("T")

# The environment prefix follows the package's own name, so a renamed copy reads its own
# variables (VIAL_SECRET_KEY for vial).
ENV_PREFIX = __name__.rpartition(".")[0].rpartition(".")[2].upper()

# errno values that ``silent=True`` turns into "no such file, nothing loaded".
_MISSING_FILE = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})


class ConfigAttribute(t.Generic[T]):
    """An app attribute that reads and writes one config key (``app.testing``...)."""

    def __init__(self, name: str, get_converter: t.Callable[[t.Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: None) -> ConfigAttribute[T]: ...

    @t.overload
    def __get__(self, obj: Vial, owner: type[Vial]) -> T: ...

    def __get__(self, obj: Vial | None, owner: type[Vial] | None = None) -> T | ConfigAttribute[T]:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        convert = self.get_converter
        return value if convert is None else convert(value)

    def __set__(self, obj: Vial, value: t.Any) -> None:
        obj.config[self.__name__] = value


def _explain_unreadable(error: OSError) -> OSError:
    error.strerror = f"Unable to load configuration file ({error.strerror})"
    return error


class Config(dict):  # type: ignore[type-arg]
    """A dict of settings that the ``from_*`` methods fill from several kinds of sources.

    :param root_path: relative file names given to the loaders start from this folder
        (the app's root path, or its instance path with ``instance_relative_config``).
    :param defaults: the initial settings.
    """

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: dict[str, t.Any] | None = None
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def _path(self, filename: str | os.PathLike[str]) -> str:
        return os.path.join(self.root_path, filename)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file an environment variable names, as :meth:`from_pyfile`.

        :raises RuntimeError: the variable is unset or empty (unless ``silent``).
        """
        path = os.environ.get(variable_name)
        if path:
            return self.from_pyfile(path, silent=silent)
        if silent:
            return False
        raise RuntimeError(
            f"Cannot load the configuration: the environment variable {variable_name!r}"
            " is not set. Set it to the path of a Python configuration file."
        )

    def from_prefixed_env(
        self, prefix: str = ENV_PREFIX, *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every ``PREFIX_*`` environment variable, parsing values with ``loads``.

        A value ``loads`` cannot parse stays a string, so ``VIAL_NAME=ann`` works as well
        as ``VIAL_PORT=8000``. Double underscores go into nested dicts:
        ``VIAL_DB__HOST`` sets ``config["DB"]["HOST"]``. Variables are applied in sorted
        order.
        """
        start = f"{prefix}_"
        for env_key in sorted(k for k in os.environ if k.startswith(start)):
            raw = os.environ[env_key]
            try:
                value: t.Any = loads(raw)
            except Exception:
                value = raw
            *parents, leaf = env_key[len(start) :].split("__")
            target: dict[str, t.Any] = self
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Run a Python file and load its UPPERCASE names, as :meth:`from_object`.

        :param silent: return ``False`` instead of raising when the file is missing.
        """
        path = self._path(filename)
        try:
            with open(path, "rb") as source_file:
                source = source_file.read()
        except OSError as e:
            if silent and e.errno in _MISSING_FILE:
                return False
            raise _explain_unreadable(e) from None
        namespace: dict[str, t.Any] = {"__file__": path, "__name__": "config"}
        exec(compile(source, path, "exec"), namespace)
        self.from_mapping({k: v for k, v in namespace.items() if k.isupper()})
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the UPPERCASE attributes of a class, module or object (or an import path)."""
        source = import_string(obj) if isinstance(obj, str) else obj
        self.update({name: getattr(source, name) for name in dir(source) if name.isupper()})

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load``: ``json.load``, or ``tomllib.load`` with ``text=False``."""
        try:
            with open(self._path(filename), "r" if text else "rb") as data_file:
                data = load(data_file)
        except OSError as e:
            if silent and e.errno in _MISSING_FILE:
                return False
            raise _explain_unreadable(e) from None
        return self.from_mapping(data)

    def from_mapping(self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> bool:
        """Load the UPPERCASE keys of a mapping (or of pairs) and of the keyword arguments."""
        merged = dict(mapping or {}, **kwargs)
        self.update({k: v for k, v in merged.items() if k.isupper()})
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The settings whose keys start with ``namespace``, as a new dict.

        ``get_namespace("IMAGE_STORE_")`` gives ``{"type": ...}`` for
        ``IMAGE_STORE_TYPE``; ``lowercase=False`` and ``trim_namespace=False`` keep keys as
        they are.
        """
        found = {}
        for key, value in self.items():
            if key.startswith(namespace):
                name = key[len(namespace) :] if trim_namespace else key
                found[name.lower() if lowercase else name] = value
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {super().__repr__()}>"
