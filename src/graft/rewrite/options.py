"""Rewrite settings: the choices the specification leaves to the user.

The options are part of a fork's identity (they go into
:meth:`~graft.rewrite.Renames.fingerprint`), so they are a frozen value with a stable
dictionary form, and every default is the conservative one from REWRITE_CASES.md.
"""

from __future__ import annotations

import typing as t
from dataclasses import asdict, dataclass

from .distribution import normalize

ENGINE_VERSION = "2"
"""Bumped whenever the same input and options could give different output."""

MODULE_RUN = "python -m "
"""How :attr:`RewriteOptions.commands` spells a package run as a module: ``python -m NEW``."""

MODULE_RUN = "python -m "
"""How :attr:`RewriteOptions.commands` spells a package run as a module: ``python -m NEW``."""

EntryPointPolicy = t.Literal["report", "rename", "keep"]
DistributionPolicy = t.Literal["report", "keep"]
StringPolicy = t.Literal["report", "keep", "rename-known"]
DocstringPolicy = t.Literal["keep", "code", "all"]


@dataclass(frozen=True)
class RewriteOptions:
    """How the rewriter treats the cases that have more than one reasonable answer."""

    docstrings: DocstringPolicy = "keep"
    """Docstrings are prose and kept (``keep``, what ``graft rewrite`` does by default);
    ``code`` renames their code (doctests, code blocks, dotted module paths and names
    marked as code) but not their prose, which is how ``graft fork`` renders a fork's
    own docstrings; ``all`` renames every mention, bare words included. ``True`` and
    ``False`` are read as ``all`` and ``keep``, the older spelling."""
    entry_points: EntryPointPolicy = "report"
    """Entry-point groups such as ``"flask.commands"``: renaming cuts off upstream's
    plugins, keeping them loads plugins that import upstream; the default reports."""
    distributions: DistributionPolicy = "report"
    """Distribution-name lookups (``importlib.metadata.version("flask")``) are never
    renamed (the fork is not a distribution of that name); ``report`` lists them."""
    unknown_strings: StringPolicy = "report"
    """Strings that are module paths of the package but stand where the rewriter cannot
    tell what they are used for (a settings list, a dict value) are left alone;
    ``report`` lists them so nothing is silent. ``rename-known`` renames those that
    name a module of the tree being rewritten, or an attribute of one
    (``"django.contrib.sessions.backends.db"``, ``"pkg.models.User"``), with at least
    two parts, and reports the rest: right for settings and registries, wrong for
    salts and serialized names that must stay stable (case 34)."""
    skip_unparsable: bool = False
    """A file libcst cannot parse counts as skipped instead of failed."""
    commands: tuple[tuple[str, str], ...] = ()
    """Console commands the new package answers to, old to new: ``("flask", "vial")``, or
    ``("flask", "python -m acme_web")`` for a package run as a module. Declared by a
    profile or the caller, never guessed from the map (a fork of Flask has no ``myflask``
    command); argv lists and shell commands given to subprocess calls follow them."""
    distribution_names: tuple[tuple[str, str], ...] = ()
    """Distribution lookups the new package answers, old name (normalized, ``flask``,
    ``attrs``) to the name it answers for (``vial``, ``myattr``): ``graft fork``/``patch``
    set them from the upstream's metadata, and the ``flask-vial`` profile for vial. Lookups
    of other distributions of a renamed package are reported."""
    env_prefixes: tuple[tuple[str, str], ...] = ()
    """Environment prefixes the new package really reads, old to new: ``("FLASK",
    "VIAL")``. Variables the code sets for the framework (``env={"FLASK_APP": ...}``,
    ``monkeypatch.setenv``) follow them; without an entry nothing is renamed and the
    report does not claim a new name."""

    def __post_init__(self) -> None:
        if isinstance(self.docstrings, bool):
            object.__setattr__(self, "docstrings", "all" if self.docstrings else "keep")
        if self.docstrings not in ("keep", "code", "all"):
            raise ValueError(f"docstrings must be keep, code or all, not {self.docstrings!r}")
        if self.entry_points not in ("report", "rename", "keep"):
            raise ValueError(
                f"entry_points must be report, rename or keep, not {self.entry_points!r}"
            )
        if self.distributions not in ("report", "keep"):
            raise ValueError(f"distributions must be report or keep, not {self.distributions!r}")
        if self.unknown_strings not in ("report", "keep", "rename-known"):
            raise ValueError(
                f"unknown_strings must be report, keep or rename-known, not {self.unknown_strings!r}"
            )

        for field_name in ("commands", "env_prefixes", "distribution_names"):
            pairs = tuple(tuple(pair) for pair in getattr(self, field_name))
            if any(
                len(pair) != 2 or not all(isinstance(x, str) and x for x in pair) for pair in pairs
            ):
                raise ValueError(f"{field_name} must be (old, new) pairs of names, not {pairs!r}")
            if field_name == "distribution_names":
                pairs = tuple((normalize(old), new) for old, new in pairs)
            object.__setattr__(self, field_name, tuple(sorted(pairs)))

    def to_dict(self) -> dict[str, t.Any]:
        """A JSON-ready form, stable across runs (for the manifest and the fingerprint).

        The command and prefix pairs appear only when set, so the options of a plain
        rename keep the form (and fingerprint) they have without them.
        """
        data = asdict(self)
        for field_name in ("commands", "env_prefixes", "distribution_names"):
            if data[field_name]:
                data[field_name] = [list(pair) for pair in data[field_name]]
            else:
                del data[field_name]
        return data

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> RewriteOptions:
        """The inverse of :meth:`to_dict`; unknown keys are ignored so old manifests load."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for field_name in ("commands", "env_prefixes", "distribution_names"):
            if field_name in known:
                known[field_name] = tuple(tuple(pair) for pair in known[field_name])
        return cls(**known)


FORK_OPTIONS = RewriteOptions(docstrings="code")
"""What ``graft fork``, ``graft patch`` and ``graft sync`` render a vendored package with:
its docstrings' code follows the new name, its prose does not."""

__all__ = ["ENGINE_VERSION", "FORK_OPTIONS", "RewriteOptions"]
