"""Rewrite settings: the choices the specification leaves to the user.

The options are part of a fork's identity (they go into
:meth:`~graft.rewrite.Renames.fingerprint`), so they are a frozen value with a stable
dictionary form, and every default is the conservative one from REWRITE_CASES.md.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import asdict, dataclass

from .distribution import normalize

ENGINE_VERSION = "3"
"""Bumped whenever the same input and options could give different output."""

MODULE_RUN = "python -m "
"""How :attr:`RewriteOptions.commands` spells a package run as a module: ``python -m NEW``."""

EntryPointPolicy = t.Literal["report", "rename", "keep"]
DistributionPolicy = t.Literal["report", "keep"]
StringPolicy = t.Literal["report", "keep", "rename-known"]
DocstringPolicy = t.Literal["keep", "code", "all"]


def normalize_extra(name: str) -> str:
    """An extra's name as packaging compares it (``Async_IO`` -> ``async-io``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class RequirementRule:
    """What a requirement on one original distribution becomes.

    ``replacement`` empty means the requirement is dropped (the app ships the new
    package itself); otherwise it is the distribution that provides the new package.
    """

    distribution: str
    """The original distribution, as :func:`~graft.rewrite.distribution.normalize` gives it (``flask``)."""
    replacement: str = ""
    """The distribution that provides the new package (``vial-web``); empty: drop the requirement."""
    releases: tuple[tuple[str, str], ...] = ()
    """``(release of replacement, release of the original whose API it follows)``, oldest
    first: ``(("0.1.0", "3.1.3"),)`` for vial-web. Version bounds are mapped through it;
    empty: no bound can be mapped, and none is written (said in a finding)."""
    extras: tuple[str, ...] | None = None
    """The extras ``replacement`` provides (normalized); None: unknown, kept as written."""
    reason: str = ""
    """Why, for findings: ``"the app ships acme_web itself"``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "distribution", normalize(self.distribution))
        object.__setattr__(self, "releases", tuple(tuple(pair) for pair in self.releases))
        if self.extras is not None:
            object.__setattr__(
                self, "extras", tuple(sorted({normalize_extra(e) for e in self.extras}))
            )

    def to_dict(self) -> dict[str, t.Any]:
        """A JSON-ready form, stable across runs."""
        return {
            "distribution": self.distribution,
            "replacement": self.replacement,
            "releases": [list(pair) for pair in self.releases],
            "extras": None if self.extras is None else list(self.extras),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> RequirementRule:
        extras = data.get("extras")
        return cls(
            str(data["distribution"]),
            str(data.get("replacement", "")),
            tuple((str(a), str(b)) for a, b in data.get("releases", ())),
            None if extras is None else tuple(map(str, extras)),
            str(data.get("reason", "")),
        )


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
    requirements: tuple[RequirementRule, ...] = ()
    """What a requirement on a renamed distribution becomes (``Flask>=3`` in
    ``dependencies``, ``install_requires``, ``Requires-Dist``): the distribution that
    provides the new package, or nothing when the app ships it. Without a rule the
    requirement is kept and reported (:mod:`graft.rewrite.requirements`)."""
    entry_point_groups: tuple[tuple[str, str], ...] | None = None
    """The entry-point groups the new package's code reads, each with where
    (``("vial.commands", "vial/cli.py:490")``): an entry point declared in a renamed
    package's group moves to the renamed group only if it is read
    (:func:`graft.rewrite.entrypoints.decide_group`). None: the new package's code is not
    at hand, and :attr:`entry_points` decides."""

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
        rules = tuple(
            rule if isinstance(rule, RequirementRule) else RequirementRule.from_dict(rule)
            for rule in self.requirements
        )
        if len({rule.distribution for rule in rules}) != len(rules):
            raise ValueError("requirements must hold one rule per distribution")
        object.__setattr__(self, "requirements", tuple(sorted(rules, key=lambda r: r.distribution)))
        if self.entry_point_groups is not None:
            groups = tuple(tuple(pair) for pair in self.entry_point_groups)
            if any(len(pair) != 2 or not all(isinstance(x, str) for x in pair) for pair in groups):
                raise ValueError(f"entry_point_groups must be (group, where) pairs, not {groups!r}")
            object.__setattr__(self, "entry_point_groups", tuple(sorted(set(groups))))

    def to_dict(self) -> dict[str, t.Any]:
        """A JSON-ready form, stable across runs (for the manifest and the fingerprint).

        The command and prefix pairs, requirement rules and entry-point groups appear
        only when set, so the options of a plain rename keep the form (and fingerprint)
        they have without them.
        """
        data = asdict(self)
        for field_name in ("commands", "env_prefixes", "distribution_names"):
            if data[field_name]:
                data[field_name] = [list(pair) for pair in data[field_name]]
            else:
                del data[field_name]
        if self.requirements:
            data["requirements"] = [rule.to_dict() for rule in self.requirements]
        else:
            del data["requirements"]
        if self.entry_point_groups is not None:
            data["entry_point_groups"] = [list(pair) for pair in self.entry_point_groups]
        else:
            del data["entry_point_groups"]
        return data

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> RewriteOptions:
        """The inverse of :meth:`to_dict`; unknown keys are ignored so old manifests load."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for field_name in ("commands", "env_prefixes", "distribution_names"):
            if field_name in known:
                known[field_name] = tuple(tuple(pair) for pair in known[field_name])
        if "requirements" in known:
            known["requirements"] = tuple(
                RequirementRule.from_dict(rule) for rule in known["requirements"]
            )
        if known.get("entry_point_groups") is not None:
            known["entry_point_groups"] = tuple(tuple(pair) for pair in known["entry_point_groups"])
        return cls(**known)


FORK_OPTIONS = RewriteOptions(docstrings="code")
"""What ``graft fork``, ``graft patch`` and ``graft sync`` render a vendored package with:
its docstrings' code follows the new name, its prose does not."""

__all__ = ["ENGINE_VERSION", "FORK_OPTIONS", "RequirementRule", "RewriteOptions", "normalize_extra"]
