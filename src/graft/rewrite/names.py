"""The rename map: which dotted import names become which, matched on dot boundaries.

Every transformer asks this one object what a qualified name becomes, so the
repeated-substring bugs (``flask_login``, ``flaskx``, ``myflask``) are settled here
once: a key matches a name only when it is the whole name or a prefix that ends at
a dot, and the longest matching key wins (``flask.json=myflask.codec`` beats
``flask=myflask`` for ``flask.json.dumps``).
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
import typing as t
from dataclasses import dataclass, field

from ..errors import InvalidNameError
from .options import ENGINE_VERSION, RewriteOptions

_HINT = "Give each map as OLD=NEW with dotted import names, e.g. --map flask=myflask."


def is_dotted_name(value: str) -> bool:
    """Whether ``value`` is a dotted sequence of identifiers that are not keywords."""
    if not value:
        return False
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in value.split("."))


def _check_name(item: str, value: str, side: str) -> None:
    if not is_dotted_name(value):
        raise InvalidNameError(
            f"Invalid {side} name {value!r} in map {item!r}: not a dotted Python identifier.",
            hint=_HINT,
        )


@dataclass(frozen=True)
class Renames:
    """An immutable ``old -> new`` map of dotted import names.

    Module maps (``flask=myflask``, ``flask.json=myflask.codec``) and symbol maps
    (``flask.Flask=vial.Vial``) are the same thing here: a qualified name and its
    replacement. Whether a key names a module or an attribute only matters where the
    name is written (an ``import`` statement, an attribute chain, a string), and the
    transformers decide that.
    """

    mapping: t.Mapping[str, str]
    """The entries, old dotted name to new dotted name."""
    _sorted: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    _patterns: tuple[re.Pattern[bytes], re.Pattern[str]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        items = tuple(sorted(self.mapping.items()))
        object.__setattr__(self, "mapping", dict(items))
        object.__setattr__(self, "_sorted", items)
        roots = sorted({old.partition(".")[0] for old, _ in items})
        text = r"(?<!\w)(?:" + "|".join(map(re.escape, roots)) + r")(?!\w)"
        object.__setattr__(
            self, "_patterns", (re.compile(text.encode(), re.ASCII), re.compile(text))
        )

    def __hash__(self) -> int:
        return hash(self._sorted)

    @classmethod
    def parse(cls, items: t.Iterable[str]) -> Renames:
        """Build a map from ``"old=new"`` strings, as given with ``--map``.

        :raises InvalidNameError: an entry is not ``OLD=NEW`` with dotted identifiers,
            maps a name to itself, or contradicts an earlier entry.
        """
        mapping: dict[str, str] = {}
        for item in items:
            old, sep, new = item.partition("=")
            old, new = old.strip(), new.strip()
            if not sep:
                raise InvalidNameError(f"Invalid map {item!r}: expected OLD=NEW.", hint=_HINT)
            _check_name(item, old, "old")
            _check_name(item, new, "new")
            if old == new:
                raise InvalidNameError(f"Map {item!r} renames {old!r} to itself.", hint=_HINT)
            if mapping.get(old, new) != new:
                raise InvalidNameError(
                    f"Map {item!r} contradicts {old}={mapping[old]}.",
                    hint="Give each old name only once.",
                )
            mapping[old] = new
        if not mapping:
            raise InvalidNameError("No rename given.", hint=_HINT)
        return cls(mapping)

    def merged(self, other: Renames) -> Renames:
        """This map with ``other``'s entries added (``other`` wins on equal keys)."""
        return Renames({**self.mapping, **other.mapping})

    def compose(self, then: Renames) -> Renames:
        """This map followed by ``then``: each new name is renamed again by ``then``.

        One pass of the result does what two passes would do to the names this map
        renames (``flask=vial`` then ``vial=acme_web`` is ``flask=acme_web``). Only the
        targets change: ``then``'s own keys are not added, so code that already names
        ``vial`` is left alone, as the first pass would have left it.
        """
        return Renames({old: then.rename(new) for old, new in self._sorted})

    def redirect(self, old_root: str, new_root: str) -> Renames:
        """This map aimed at ``new_root`` wherever it aimed at ``old_root``: a profile for a fork.

        ``flask-vial`` redirected from ``vial`` to ``acme_web`` maps ``flask`` to
        ``acme_web`` and ``flask.Flask`` to ``acme_web.Vial``, so code moves to a fork of
        vial in one pass. Targets match on dot boundaries (``vialx`` is not ``vial``);
        a map that aims nothing at ``old_root`` comes back unchanged.

        :raises InvalidNameError: a name is not a dotted identifier, or an entry would
            then rename a name to itself.
        """
        for value in (old_root, new_root):
            if not is_dotted_name(value):
                raise InvalidNameError(
                    f"Cannot redirect to or from {value!r}: not a dotted Python identifier.",
                    hint="Give an import name, e.g. acme_web.",
                )
        redirected = self.compose(Renames({old_root: new_root}))
        for old, new in redirected:
            if old == new:
                raise InvalidNameError(
                    f"Redirecting {old_root} to {new_root} would rename {old!r} to itself.",
                    hint=f"Aim the map at a package other than {new_root}.",
                )
        return redirected

    @property
    def roots(self) -> frozenset[str]:
        """The top-level names a file must mention to need any rewriting."""
        return frozenset(old.partition(".")[0] for old in self.mapping)

    def rename(self, dotted: str) -> str:
        """What ``dotted`` becomes: the longest key that is ``dotted`` or a dot-prefix of it is replaced."""
        mapping = self.mapping
        prefix = dotted
        while True:
            new = mapping.get(prefix)
            if new is not None:
                return new + dotted[len(prefix) :]
            cut = prefix.rfind(".")
            if cut < 0:
                return dotted
            prefix = prefix[:cut]

    def matches(self, dotted: str) -> bool:
        """Whether :meth:`rename` changes ``dotted``."""
        return self.rename(dotted) != dotted

    def reverse(self) -> Renames:
        """The ``new -> old`` map, used to compare a fork with its upstream.

        :raises InvalidNameError: two old names map to the same new one, so the map
            cannot be undone.
        """
        back: dict[str, str] = {}
        for old, new in self._sorted:
            if new in back:
                raise InvalidNameError(
                    f"Cannot reverse the map: both {back[new]!r} and {old!r} become {new!r}."
                )
            back[new] = old
        return Renames(back)

    def to_strings(self) -> list[str]:
        """The entries as sorted ``"old=new"`` strings, stable for the manifest."""
        return [f"{old}={new}" for old, new in self._sorted]

    def fingerprint(self, options: RewriteOptions | None = None) -> str:
        """A stable hash of the map, the rewrite options and the engine version.

        Two renderings of the same upstream revision are byte-identical exactly when
        their fingerprints are equal, which is what ``graft sync`` relies on when it
        regenerates a merge base.
        """
        opts = options if options is not None else RewriteOptions()
        payload = {
            "engine": ENGINE_VERSION,
            "renames": self.to_strings(),
            "options": opts.to_dict(),
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return "sha256:" + hashlib.sha256(blob).hexdigest()

    def mentions(self, code: str | bytes) -> bool:
        """Whether ``code`` contains an old top-level name as a whole word (the fast path's test)."""
        if isinstance(code, bytes):
            return self._patterns[0].search(code) is not None
        return self._patterns[1].search(code) is not None

    def __iter__(self) -> t.Iterator[tuple[str, str]]:
        return iter(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted)


__all__ = ["Renames", "is_dotted_name"]
