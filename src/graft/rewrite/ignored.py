"""Which paths under a directory git ignores, asked of the ``git`` binary.

``graft rewrite .`` must not rewrite what is not the user's source: a git-ignored
folder is usually a virtualenv, build output or vendored downloads, and damage there
cannot be restored from the repository. The engine must not import GitPython (it
sits below :mod:`graft.vcs`, STYLE.md), so this is one plain subprocess call; where
git is missing or the directory is not in a work tree, nothing counts as ignored.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git_ignored(root: Path) -> frozenset[str] | None:
    """Paths under ``root`` that git ignores, relative to it in posix form; None outside a work tree.

    Ignored directories are listed once, with a trailing ``/`` (git's ``--directory``),
    so a walker prunes them without git listing their contents. Ignored files in
    directories that are not wholly ignored are listed one by one.
    """
    command = [
        "git",
        "ls-files",
        "-z",
        "--others",
        "--ignored",
        "--exclude-standard",
        "--directory",
    ]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # read-only: never take the index lock
    try:
        proc = subprocess.run(command, cwd=root, capture_output=True, check=False, env=env)
    except OSError:  # no git binary: nothing can be known to be ignored
        return None
    if proc.returncode != 0:
        # Not a work tree, inside .git, or (git 2.39) a directory inside an ignored one, which
        # the user named explicitly: its files are theirs to rewrite.
        return None
    entries = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    # "./" is root itself, when the whole directory is ignored: it was named explicitly.
    return frozenset(entry for entry in entries if entry and entry != "./")


__all__ = ["git_ignored"]
