"""Wheels of patched extensions whose metadata no longer requires upstream Flask.

Why: a patched extension vendored into the app's tree serves the app, but an *environment*
(a deploy image, a CI job) installs distributions. Installing the original ``Flask-Login``
there would pull Flask beside the fork. The wheel built here carries the patched code under
the original distribution name with a local version label (``0.6.3+vial``), so pip treats
it as *the* Flask-Login (anything that requires Flask-Login is satisfied, and installing it
replaces the original rather than sitting beside it), and its ``Requires-Dist`` names the
target distribution instead of Flask, by the rules every ``Requires-Dist`` follows
(:mod:`graft.rewrite.requirements`, with the facts :mod:`graft.surface` finds): ``vial-web``
with the bound mapped for the bundled vial, nothing for a fork the app ships. Its entry
points move to the groups the target reads.

The wheel is built directly (a zip with ``METADATA``, ``WHEEL`` and ``RECORD``), without a
build backend: the patched tree is already final, pure-Python code, and building it must be
deterministic (fixed timestamps, sorted entries) so two builds of one patch are identical.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import email.message
import email.parser
import email.policy
import hashlib
import io
import os
import re
import subprocess
import sys
import typing as t
import zipfile
from pathlib import Path

from . import __version__
from .errors import UserError
from .rewrite.carriers import Carriers
from .rewrite.options import RequirementRule, RewriteOptions
from .rewrite.projectfiles import rewrite_carrier

if t.TYPE_CHECKING:
    from .rewrite import Renames
    from .rewrite.entrypoints import GroupReads

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Fixed timestamp for every entry: identical inputs give byte-identical wheels."""


def normalize_dist(name: str) -> str:
    """PEP 503 normalised distribution name (``Flask_Login`` -> ``flask-login``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@dataclasses.dataclass(frozen=True)
class WheelReport:
    """What :func:`build_wheel` produced and which requirements it rewrote."""

    path: Path
    """The ``.whl`` file."""
    name: str
    """Distribution name in the wheel's metadata (the extension's own)."""
    version: str
    """Version in the wheel's metadata, with the local label."""
    replaced: tuple[tuple[str, str], ...]
    """``(old requirement, new requirement or "")`` for each rewritten ``Requires-Dist``."""


def rewrite_requirements(
    requires: t.Iterable[str], renames: Renames, rules: t.Sequence[RequirementRule]
) -> tuple[list[str], list[tuple[str, str]]]:
    """``requires`` with each requirement on a renamed distribution rewritten by its rule.

    The rules are :mod:`graft.rewrite`'s, the same as for any ``Requires-Dist``
    (:func:`graft.surface.requirement_rule` makes them): ``Flask>=2.2`` becomes
    ``vial-web>=0.1.0`` for the bundled vial, and is dropped for a fork the app ships.
    A requirement without a rule is kept (and reported when the patch is planned).
    Returns the requirements and ``(old, new or "")`` for each one rewritten.
    """
    carriers = Carriers(renames, RewriteOptions(requirements=tuple(rules)))
    kept: list[str] = []
    changed: list[tuple[str, str]] = []
    for requirement in requires:
        edit = carriers.requirement(requirement)
        if edit.new is None:
            kept.append(requirement)
            continue
        if edit.new and edit.new not in kept:
            kept.append(edit.new)
        changed.append((requirement, edit.new))
    return kept, changed


def make_metadata(
    original: email.message.Message | None,
    *,
    name: str,
    version: str,
    requires: t.Sequence[str],
    summary: str = "",
) -> bytes:
    """METADATA text: the original's headers and description with name, version, requirements replaced.

    Written by hand rather than by :mod:`email`'s generator, which refuses the multi-line
    ``Description`` headers real metadata carries; a description header becomes the body.
    """
    skip = {
        "metadata-version",
        "name",
        "version",
        "requires-dist",
        "dynamic",
        "license-file",
        "description",
    }
    headers = [("Metadata-Version", "2.1"), ("Name", name), ("Version", version)]
    body = ""
    if original is not None:
        headers += [(k, str(v)) for k, v in original.items() if k.lower() not in skip]
        payload = original.get_payload()
        body = (
            payload
            if isinstance(payload, str) and payload.strip()
            else str(original.get("Description") or "")
        )
    elif summary:
        headers.append(("Summary", summary))
    headers += [("Requires-Dist", r) for r in requires]
    lines = [f"{key}: {_fold(value)}" for key, value in headers]
    text = "\n".join(lines) + "\n"
    if body.strip():
        text += "\n" + body.strip("\n") + "\n"
    return text.encode("utf-8")


def _fold(value: str) -> str:
    """A header value on one logical line: continuation lines indented, as RFC 822 wants."""
    return "\n        ".join(value.splitlines()) if "\n" in value else value


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_wheel(
    source: Path,
    modules: t.Sequence[str],
    out_dir: Path,
    *,
    name: str,
    version: str,
    requires: t.Sequence[str],
    metadata: email.message.Message | None = None,
    entry_points: str | None = None,
) -> Path:
    """Write ``{name}-{version}-py3-none-any.whl`` holding ``modules`` found under ``source``.

    :param source: directory that holds the top-level packages or ``.py`` modules.
    :param modules: their import names (``flask_login`` is ``source/flask_login/`` or
        ``source/flask_login.py``).
    :raises UserError: a module is missing under ``source``.
    """
    files: dict[str, bytes] = {}
    for module in modules:
        package, single = source / module, source / f"{module}.py"
        if package.is_dir():
            for path in sorted(package.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    files[path.relative_to(source).as_posix()] = path.read_bytes()
        elif single.is_file():
            files[single.name] = single.read_bytes()
        else:
            raise UserError(f"Cannot build a wheel: no module {module!r} under {source}.")
    dist_info = f"{_wheel_name(name)}-{version}.dist-info"
    files[f"{dist_info}/METADATA"] = make_metadata(
        metadata, name=name, version=version, requires=requires
    )
    files[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: graft ({__version__})\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    files[f"{dist_info}/top_level.txt"] = "".join(f"{m}\n" for m in sorted(modules)).encode()
    if entry_points:
        files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arcname, data in sorted(files.items()):
        writer.writerow([arcname, _record_hash(data), str(len(data))])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files[f"{dist_info}/RECORD"] = record.getvalue().encode()

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{_wheel_name(name)}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # RECORD goes last, as installers expect; everything else in sorted order.
        for arcname in sorted(files, key=lambda n: (n.endswith("/RECORD"), n)):
            info = zipfile.ZipInfo(arcname, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[arcname])
    return path


def local_version(version: str, target: str) -> str:
    """``0.6.3`` -> ``0.6.3+vial``: a PEP 440 local label naming what the copy was patched for."""
    label = re.sub(r"[^A-Za-z0-9]+", ".", target).strip(".").lower() or "patched"
    return f"{version}.{label}" if "+" in version else f"{version}+{label}"


def rewrite_entry_points(
    text: str | None, renames: Renames, groups: GroupReads | None
) -> str | None:
    """An ``entry_points.txt`` for the target: references renamed, groups moved where it reads them.

    ``[flask.commands]`` becomes ``[vial.commands]`` because vial's CLI reads that group
    (``groups`` are the groups the target's code reads, :func:`graft.surface.entry_point_groups`);
    a group the target does not read under the new name is kept (and reported when the
    patch is planned). The rules are the rewriter's, as for any ``entry_points.txt``.
    """
    if text is None:
        return None
    result = rewrite_carrier(
        "entry_points.txt", text.encode("utf-8"), renames, RewriteOptions(entry_point_groups=groups)
    )
    return text if result.new is None else result.new.decode("utf-8")


def check_wheel_dir(path: Path) -> None:
    """Refuse an unusable ``--wheel`` directory before anything is committed."""
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise UserError(
            f"Cannot write wheels to {path}: {existing} is not a writable directory.",
            hint="Give another --wheel OUTDIR.",
        )


def read_wheel_metadata(path: Path) -> email.message.Message:
    """The METADATA of a built wheel (used by tests and by ``--install`` to double-check)."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(archive.read(name))


def install_wheel(path: Path, *, python: str | None = None, target: Path | None = None) -> None:
    """Install one wheel with pip, without dependencies; see :func:`install_wheels`."""
    install_wheels([path], python=python, target=target)


def install_wheels(
    paths: t.Sequence[Path], *, python: str | None = None, target: Path | None = None
) -> None:
    """Install wheels with one pip run, without dependencies (they are the app's to provide).

    ``--no-deps`` because the target framework is often not a PyPI distribution (vial ships
    inside graft's, a fork inside the app itself); the metadata still declares it.

    :raises UserError: pip failed; its last output line says why.
    """
    command = [python or sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    command += ["--force-reinstall", "--disable-pip-version-check"]
    if target is not None:
        command += ["--target", str(target)]
    proc = subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["(no output)"]
        names = ", ".join(p.name for p in paths)
        raise UserError(f"pip could not install {names}: {lines[-1]}")
