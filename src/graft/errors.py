"""Error and warning types shared by every graft module.

One base class, :class:`ToolError`, so that the CLI has a single place that maps
failures to exit codes. User mistakes are :class:`UserError` subclasses: they
carry an ``exit_code`` and a one-line message that says how to fix the problem,
and the CLI prints them without a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
"""Done, or nothing to do."""
EXIT_ERROR = 1
"""A :class:`UserError` (or ``--check`` found something to change)."""
EXIT_USAGE = 2
"""Click's usage error: a bad option or argument."""
EXIT_CONFLICTS = 3
"""A sync stopped on conflicts, left in git's ordinary conflict state."""
EXIT_BEHIND = 4
"""``graft check``/``status --check``: a fork is behind its upstream."""


class ToolError(Exception):
    """Base class of every error graft raises on purpose."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format_message(self) -> str:
        """The one line shown to the user: what is wrong, then what to do."""
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message

    def __str__(self) -> str:
        return self.format_message()


class UserError(ToolError):
    """A mistake the user can fix: shown as ``Error: ...`` without a traceback."""


class ManifestError(ValueError, UserError):
    """The ``[tool.graft]`` table in ``pyproject.toml`` is missing or invalid.

    A ``ValueError`` too, for library callers that validate input that way; the
    explicit ``__init__`` keeps ``message`` and ``hint`` (``ValueError``'s would win
    the MRO and set neither).
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        UserError.__init__(self, message, hint=hint)


class SourceError(UserError):
    """An upstream source (distribution, directory, git repository, ref) cannot be used."""


class InvalidNameError(UserError):
    """An import name given on the command line is not usable (keyword, not an identifier, shadows stdlib)."""


class DirtyWorktreeError(UserError):
    """The work tree has uncommitted changes that graft could overwrite."""


class VcsError(UserError):
    """A git operation failed, or the directory is not a git work tree."""


class RewriteError(UserError):
    """The rewriter could not process some input (e.g. a file libcst cannot parse)."""


class ConflictError(UserError):
    """A merge stopped on conflicts; the repository is in git's conflict state."""

    exit_code = EXIT_CONFLICTS


class LockedError(UserError):
    """Another graft command holds the repository's lock (see :mod:`graft.lock`)."""


class ToolWarning(UserWarning):
    """A non-fatal finding, collected into reports rather than printed from deep code."""


__all__ = [
    "EXIT_BEHIND",
    "EXIT_CONFLICTS",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "ConflictError",
    "DirtyWorktreeError",
    "ManifestError",
    "InvalidNameError",
    "LockedError",
    "RewriteError",
    "SourceError",
    "ToolError",
    "ToolWarning",
    "UserError",
    "VcsError",
]
