"""The only module that talks to git: a thin, byte-exact wrapper over GitPython.

Everything graft does to a repository goes through :class:`Repo`, so the git
quirks live in one place: ``repo.git.<cmd>`` raises on any non-zero exit (a
merge with conflicts exits 1), stdout loses its trailing newline unless asked
not to, and blobs are read through the object database when bytes matter.
Every failure is turned into a :class:`~graft.errors.VcsError`.

graft's own snapshot commits use a fixed identity and a fixed date, so the same
tree and parents always give the same commit id; commits on the user's branch
use the user's identity. Hooks are disabled for every command graft runs: a
formatter in a pre-commit hook must not rewrite the pristine upstream snapshot.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import typing as t
from dataclasses import dataclass
from pathlib import Path

from .errors import VcsError

# GitPython refuses to import when git is not on PATH; import it quietly and say so
# plainly when a repository is opened instead (no traceback from an ImportError).
_REFRESH = os.environ.get("GIT_PYTHON_REFRESH")
os.environ["GIT_PYTHON_REFRESH"] = "quiet"
try:
    import git
    from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError
finally:
    if _REFRESH is None:
        del os.environ["GIT_PYTHON_REFRESH"]
    else:
        os.environ["GIT_PYTHON_REFRESH"] = _REFRESH


_git_found: list[str] = []


def _require_git() -> None:
    """Raise the one clear error when there is no git executable to run."""
    executable = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"
    if executable in _git_found:  # looked up once per process: repositories are opened often
        return
    if shutil.which(executable) is None:
        raise VcsError("git is not installed or not on PATH; install git and retry.")
    _git_found.append(executable)


SNAPSHOT_ENV: dict[str, str] = {
    "GIT_AUTHOR_NAME": "graft",
    "GIT_AUTHOR_EMAIL": "graft@snapshot.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "graft",
    "GIT_COMMITTER_EMAIL": "graft@snapshot.invalid",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}
"""Identity and date of snapshot commits: fixed, so that regenerating one gives the same id."""

_NO_HOOKS = ("-c", f"core.hooksPath={os.devnull}")
BLOB_MODE = "100644"
EXEC_MODE = "100755"
LINK_MODE = "120000"
"""A symlink: its blob holds the link target."""
TREE_MODE = "40000"


OBJECT_FORMATS = ("sha1", "sha256")
"""git's object formats (``git init --object-format``), named as hashlib names them."""


def null_id(object_format: str = "sha1") -> str:
    """The all-zero object id of ``object_format`` (git's "no object")."""
    return "0" * hashlib.new(object_format).digest_size * 2


def is_object_id(text: str) -> bool:
    """Whether ``text`` is a full object id in one of git's formats (lower-case hex)."""
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _path_bytes(text: str) -> bytes:
    """A path (or a listing of paths) as git's bytes.

    git names files with bytes; GitPython decodes them as UTF-8 with ``surrogateescape``,
    so a name that is not UTF-8 (latin-1 upstream, say) comes back as the same bytes.
    """
    return text.encode("utf-8", "surrogateescape")


def hash_blob(data: bytes, object_format: str = "sha1") -> str:
    """The id git gives ``data`` as a blob in a repository of ``object_format``, without git."""
    header = b"blob %d\0" % len(data)
    if object_format == "sha1":  # the hot path: every upstream file of every sync
        return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()
    return hashlib.new(object_format, header + data).hexdigest()


def hash_tree(
    files: t.Mapping[str, str],
    modes: t.Mapping[str, str] | None = None,
    object_format: str = "sha1",
) -> str:
    """The id of the git tree holding ``files`` (posix path -> blob id).

    Every file is mode 100644 unless ``modes`` says otherwise (``100755`` executable,
    ``120000`` symlink), so file sets without either keep the ids they always had.
    Used to fingerprint an upstream's raw files without writing objects anywhere.
    ``object_format`` must be the one the blob ids were computed in.
    """
    return _collect(_nest(files, modes), None, object_format)


@dataclass(frozen=True)
class TreeObject:
    """One git tree of a file set: its id and its entries, as :func:`tree_objects` computes them."""

    sha: str
    entries: tuple[tuple[str, str, str], ...]
    """(mode, object id, name), in git's order; mode ``40000`` is a subtree."""


def tree_objects(
    files: t.Mapping[str, str],
    modes: t.Mapping[str, str] | None = None,
    object_format: str = "sha1",
) -> list[TreeObject]:
    """Every tree of the git tree holding ``files`` (arguments as in :func:`hash_tree`).

    Subtrees come before the trees that hold them, so the list can be written in
    order; the last one is the root (the empty tree when ``files`` is empty).
    """
    trees: list[TreeObject] = []
    _collect(_nest(files, modes), trees, object_format)
    return trees


def _nest(files: t.Mapping[str, str], modes: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Paths as nested dicts; a leaf is its blob id, or (mode, id) when not 100644."""
    root: dict[str, t.Any] = {}
    for path, sha in files.items():
        node = root
        *dirs, leaf = path.split("/")
        for part in dirs:
            node = node.setdefault(part, {})
        mode = modes.get(path) if modes else None
        node[leaf] = sha if mode is None or mode == BLOB_MODE else (mode, sha)
    return root


def _collect(
    node: dict[str, t.Any], trees: list[TreeObject] | None, object_format: str = "sha1"
) -> str:
    """The id of the tree ``node``; with ``trees``, also every tree in it, subtrees first.

    (Without ``trees`` this is the hot path of :func:`hash_tree`, which digests every
    upstream read, so it builds no entry list.)
    """

    # git sorts tree entries by name, with directories compared as "name/".
    def key(item: tuple[str, t.Any]) -> bytes:
        name, value = item
        return _path_bytes(name) + (b"/" if isinstance(value, dict) else b"")

    body = b""
    entries = []
    for name, value in sorted(node.items(), key=key):
        if isinstance(value, dict):
            sha = _collect(value, trees, object_format)
            body += b"40000 " + _path_bytes(name) + b"\0" + bytes.fromhex(sha)
            if trees is not None:
                entries.append((TREE_MODE, sha, name))
        elif isinstance(value, tuple):  # an executable or a symlink (rare: off the hot path)
            mode, sha = value
            body += mode.encode() + b" " + _path_bytes(name) + b"\0" + bytes.fromhex(sha)
            if trees is not None:
                entries.append((mode, sha, name))
        else:
            body += b"100644 " + _path_bytes(name) + b"\0" + bytes.fromhex(value)
            if trees is not None:
                entries.append((BLOB_MODE, value, name))
    header = b"tree %d\0" % len(body)
    if object_format == "sha1":
        tree = hashlib.sha1(header + body, usedforsecurity=False).hexdigest()
    else:
        tree = hashlib.new(object_format, header + body).hexdigest()
    if trees is not None:
        trees.append(TreeObject(tree, tuple(entries)))
    return tree


_REUSED_RE = re.compile(r"^(?:Staged|Resolved) '(.+)' using previous resolution\.$", re.MULTILINE)


@dataclass(frozen=True)
class MergeResult:
    """How ``git merge --no-commit`` stopped: cleanly, or on conflicts (some maybe reused)."""

    clean: bool
    reused: tuple[str, ...] = ()
    """Conflicted paths git rerere resolved (and staged) from an earlier resolution."""


@dataclass(frozen=True)
class Change:
    """One entry of a tree diff: status letter (A, D, M, R, ...) and the path(s)."""

    status: str
    path: str
    new_path: str | None = None


class Repo:
    """A user's git work tree, or an upstream repository graft reads from."""

    def __init__(self, path: str | os.PathLike[str], *, search_parents: bool = True) -> None:
        _require_git()
        try:
            self._repo = git.Repo(os.fspath(path), search_parent_directories=search_parents)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise VcsError(
                f"{os.fspath(path)} is not inside a git work tree.",
                hint="graft records forks in git history: run `git init` and commit your app first.",
            ) from None
        self.bare = self._repo.bare
        self.root = Path(self._repo.working_tree_dir or self._repo.git_dir)
        """The top of the work tree (the git dir for a bare repository)."""
        self.git_dir = Path(self._repo.git_dir)
        """The per-work-tree git dir, where in-progress state belongs."""
        self._object_format: str | None = None

    @property
    def common_dir(self) -> Path:
        """The git dir shared by every work tree of the repository (refs, objects, config)."""
        return Path(self._repo.common_dir)

    @property
    def object_format(self) -> str:
        """How this repository names objects: ``sha1``, or ``sha256`` (git's newer format).

        Read from the repository's config (``extensions.objectFormat``, in the common
        git dir of a linked work tree) without a git process, once.
        """
        if self._object_format is None:
            value = None
            try:
                reader = self._repo.config_reader("repository")
                value = reader.get_value("extensions", "objectformat", default=None)
            except Exception:  # GitPython raises several unrelated types for odd config files
                value = None
            found = str(value).lower() if value else "sha1"
            if found not in OBJECT_FORMATS:
                raise VcsError(
                    f"this repository uses the object format {found!r}, which graft cannot write.",
                    hint="Use a sha1 or sha256 repository.",
                )
            self._object_format = found
        return self._object_format

    # -- running git ---------------------------------------------------------

    def run(
        self,
        *args: str,
        env: t.Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        check: bool = True,
        strip: bool = True,
    ) -> tuple[int, str, str]:
        """Run one git command; returns (status, stdout, stderr), raising VcsError if ``check``."""
        command = ["git", *_NO_HOOKS, *args]
        handle = None
        try:
            if stdin is not None:
                handle = tempfile.TemporaryFile()
                handle.write(stdin)
                handle.seek(0)
            status, out, err = self._repo.git.execute(
                command,
                istream=handle,
                with_extended_output=True,
                with_exceptions=False,
                strip_newline_in_stdout=strip,
                env=dict(env or {}),
            )
        except GitCommandError as exc:  # git itself could not be started
            raise VcsError(f"git {args[0]} failed: {exc}") from None
        finally:
            if handle is not None:
                handle.close()
        if check and status != 0:
            raise git_failure(args, status, err or out)
        return status, out, err

    def out(self, *args: str, **kwargs: t.Any) -> str:
        """stdout of a git command that must succeed."""
        return self.run(*args, **kwargs)[1]

    # -- reading -------------------------------------------------------------

    def head(self) -> str | None:
        """The commit HEAD points at, or None on an unborn branch."""
        status, out, _ = self.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        return out.strip() if status == 0 else None

    def branch(self) -> str | None:
        """The full ref name of the current branch, or None when HEAD is detached."""
        status, out, _ = self.run("symbolic-ref", "-q", "HEAD", check=False)
        return out.strip() if status == 0 else None

    def resolve(self, rev: str, kind: str = "commit") -> str | None:
        """The id ``rev`` names (peeled to ``kind``), or None if there is no such object."""
        status, out, _ = self.run("rev-parse", "--verify", "-q", f"{rev}^{{{kind}}}", check=False)
        return out.strip() if status == 0 else None

    def parents(self, commit: str) -> list[str]:
        """The parents of ``commit``, first parent first."""
        return self.out("rev-list", "--parents", "-n", "1", commit).split()[1:]

    def has_object(self, sha: str) -> bool:
        """Whether the object database holds ``sha``."""
        return self.run("cat-file", "-e", sha, check=False)[0] == 0

    def missing_objects(self, shas: t.Iterable[str]) -> set[str]:
        """The ids among ``shas`` that the object database lacks (one git process)."""
        wanted = sorted(set(shas))
        if not wanted:
            return set()
        out = self.out("cat-file", "--batch-check", stdin="\n".join(wanted).encode() + b"\n")
        return {line.split()[0] for line in out.splitlines() if line.endswith(" missing")}

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether ``ancestor`` is reachable from ``descendant``."""
        args = ("merge-base", "--is-ancestor", ancestor, descendant)
        return self.run(*args, check=False)[0] == 0

    def tags(self) -> list[str]:
        """Tag names, oldest version first (git's version sort)."""
        out = self.out("tag", "--list", "--sort=version:refname")
        return [line for line in out.splitlines() if line]

    def tags_at(self, commit: str) -> list[str]:
        """Tags that point at ``commit``, oldest version first."""
        out = self.out("tag", "--points-at", commit, "--sort=version:refname")
        return [line for line in out.splitlines() if line]

    def branches(self) -> list[str]:
        """Local branch names."""
        out = self.out("for-each-ref", "--format=%(refname:short)", "refs/heads")
        return [line for line in out.splitlines() if line]

    def ls_tree(
        self, treeish: str, prefix: str | None = None, modes: dict[str, str] | None = None
    ) -> dict[str, str]:
        """Blob ids of every file under ``prefix`` in ``treeish``, keyed by full posix path.

        :param modes: filled with the mode of every file that is not ``100644``
            (executables and symlinks), when given.
        """
        args = ["ls-tree", "-r", "-z", "--full-tree", treeish]
        if prefix:
            args += ["--", prefix]
        out = self.out(*args, strip=False)
        files: dict[str, str] = {}
        for record in out.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, sha = meta.split()
            if kind == "blob":
                files[path] = sha
                if modes is not None and mode != BLOB_MODE:
                    modes[path] = mode
        return files

    def read_blob(self, sha: str) -> bytes:
        """The exact bytes of a blob, read through the object database."""
        try:
            return t.cast(bytes, self._repo.odb.stream(bytes.fromhex(sha)).read())
        except Exception as exc:  # GitPython raises several unrelated types here
            raise VcsError(f"cannot read git object {sha}: {exc}") from None

    def lookup(self, treeish: str, path: str) -> str | None:
        """The id of the object at ``path`` in ``treeish``, or None if there is none."""
        status, out, _ = self.run("rev-parse", "--verify", "-q", f"{treeish}:{path}", check=False)
        return out.strip() if status == 0 else None

    def read_blobs(self, shas: t.Iterable[str]) -> dict[str, bytes]:
        """The bytes of many blobs at once, through one ``git cat-file --batch``."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        with tempfile.TemporaryFile() as handle:
            handle.write("\n".join(wanted).encode() + b"\n")
            handle.seek(0)
            status, out, err = self._repo.git.execute(
                ["git", "cat-file", "--batch"],
                istream=handle,
                with_extended_output=True,
                with_exceptions=False,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
            )
        if status != 0:
            raise VcsError(f"git cat-file failed: {err!r}")
        data = out
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            if len(header) != 3 or header[1] != b"blob":
                raise VcsError(f"cannot read git blob {sha}.")
            size = int(header[2])
            blobs[sha] = data[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
        return blobs

    def read_file(self, treeish: str, path: str) -> bytes | None:
        """The bytes of ``path`` in ``treeish``, or None if it has no such file."""
        sha = self.lookup(treeish, path)
        return None if sha is None else self.read_blob(sha)

    def diff_trees(self, old: str, new: str, prefix: str | None = None) -> list[Change]:
        """What changed from ``old`` to ``new`` (tree-ish), with rename detection."""
        args = ["diff-tree", "-r", "-z", "-M", "--no-commit-id", "--name-status", old, new]
        if prefix:
            args += ["--", prefix]
        fields = self.out(*args, strip=False).split("\0")
        changes: list[Change] = []
        i = 0
        while i < len(fields) and fields[i]:
            status = fields[i]
            if status[0] in "RC":
                changes.append(Change(status[0], fields[i + 1], fields[i + 2]))
                i += 3
            else:
                changes.append(Change(status[0], fields[i + 1]))
                i += 2
        return changes

    def dirty_paths(self) -> list[str]:
        """Tracked paths with staged or unstaged changes (untracked files do not count)."""
        args = ("status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames")
        # --no-optional-locks: no index.lock for a refresh nobody asked for, which would make
        # another process (a graft command holding its lock) see git's index as locked.
        out = self.out("--no-optional-locks", *args, strip=False)
        return [record[3:] for record in out.split("\0") if len(record) > 3 and record[2] == " "]

    def operation_in_progress(self) -> str | None:
        """The name of an unfinished git operation (merge, rebase, ...), if any."""
        markers = {
            "MERGE_HEAD": "merge",
            "CHERRY_PICK_HEAD": "cherry-pick",
            "REVERT_HEAD": "revert",
            "rebase-merge": "rebase",
            "rebase-apply": "rebase or am",
        }
        for marker, name in markers.items():
            if (self.git_dir / marker).exists():
                return name
        return None

    def merge_head(self) -> str | None:
        """The commit being merged, while a merge is stopped."""
        path = self.git_dir / "MERGE_HEAD"
        return path.read_text().split()[0] if path.exists() else None

    def unmerged(self) -> dict[str, set[int]]:
        """Conflicted paths and the index stages present for each (1 base, 2 ours, 3 theirs)."""
        out = self.out("ls-files", "-u", "-z", strip=False)
        stages: dict[str, set[int]] = {}
        for record in out.split("\0"):
            if record:
                meta, _, path = record.partition("\t")
                stages.setdefault(path, set()).add(int(meta.split()[2]))
        return stages

    def index_entries(self, prefix: str | None = None) -> dict[str, str]:
        """Blob ids of the index's resolved (stage 0) entries under ``prefix``, by path."""
        args = ["ls-files", "-s", "-z"]
        if prefix:
            args += ["--", prefix]
        entries: dict[str, str] = {}
        for record in self.out(*args, strip=False).split("\0"):
            meta, _, path = record.partition("\t")
            fields = meta.split()
            if len(fields) == 3 and fields[2] == "0":
                entries[path] = fields[1]
        return entries

    def index_stamp(self) -> str:
        """What identifies the index as it is now, read without a git process.

        Its trailing checksum plus size, modification time and inode (the checksum
        alone is zeros under ``index.skipHash``); "" when there is no index. Equal
        stamps mean git has not rewritten the index in between.
        """
        # A relative GIT_INDEX_FILE is relative to where git runs: the top of the work tree.
        path = os.path.join(self.root, os.environ.get("GIT_INDEX_FILE") or self.git_dir / "index")
        try:
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                handle.seek(max(0, info.st_size - 32))
                tail = handle.read()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise VcsError(f"cannot read the git index: {exc}") from None
        return f"{tail.hex()}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"

    def config_is_true(self, key: str) -> bool:
        """Whether the repository's own config sets boolean ``key`` ("section.name") true.

        Read in-process: only ``.git/config`` counts (not the user's or system files).
        """
        head, _, name = key.rpartition(".")
        section, dot, subsection = head.partition(".")
        if dot:  # "branch.my.thing.enabled" lives in [branch "my.thing"]
            section = f'{section} "{subsection}"'
        try:
            value = self._repo.config_reader("repository").get_value(section, name, default=None)
        except Exception:  # GitPython raises several unrelated types for odd config files
            return False
        return value is True or str(value).lower() in ("true", "yes", "on", "1")

    def is_tracked(self, path: str) -> bool:
        """Whether ``path`` (relative to the root) is in the index."""
        return bool(self.out("ls-files", "-z", "--", path, strip=False))

    # -- writing objects (invisible until a ref points at them) ---------------

    def write_blobs(self, paths: t.Sequence[Path]) -> list[str]:
        """Store files as blobs, byte for byte (no filters), in one git process."""
        if not paths:
            return []
        listing = os.fsencode("\n".join(os.fspath(p) for p in paths)) + b"\n"
        out = self.out("hash-object", "-w", "--no-filters", "--stdin-paths", stdin=listing)
        shas = out.split()
        if len(shas) != len(paths):
            raise VcsError("git hash-object returned an unexpected number of ids")
        return shas

    def write_blob_data(self, blobs: t.Iterable[bytes]) -> list[str]:
        """Store many blobs from memory through one ``git fast-import``; returns their ids.

        One process and one pack (or a few loose objects: git unpacks small imports),
        instead of a temporary file per blob for ``hash-object``. No ref is touched.
        """
        stream = bytearray()
        shas = []
        for data in blobs:
            shas.append(hash_blob(data, self.object_format))
            stream += b"blob\ndata %d\n" % len(data)
            stream += data
            stream += b"\n"
        if shas:
            stream += b"done\n"
            self.run("fast-import", "--quiet", "--done", stdin=bytes(stream))
        return shas

    def write_trees(self, trees: t.Sequence[TreeObject]) -> None:
        """Store trees (subtrees first) through one ``git mktree --batch``, checking their ids.

        git checks that every entry's object exists, so a tree is never written over a
        missing blob; an id other than the one computed here raises.
        """
        if not trees:
            return
        listing = bytearray()
        for tree in trees:
            for mode, sha, name in tree.entries:
                kind = "tree" if mode == TREE_MODE else "blob"
                listing += _path_bytes(f"{mode} {kind} {sha}\t{name}\0")
            listing += b"\0"  # an empty record ends a tree in batch mode
        written = self.out("mktree", "-z", "--batch", stdin=bytes(listing)).split()
        expected = [tree.sha for tree in trees]
        if written != expected:
            raise VcsError(f"git mktree wrote trees {written[:3]}..., expected {expected[:3]}...")

    def write_blob(self, data: bytes) -> str:
        """Store bytes as a blob."""
        return self.out("hash-object", "-w", "--no-filters", "--stdin", stdin=data).strip()

    def write_tree(
        self,
        files: t.Mapping[str, str | None],
        base: str | None = None,
        modes: t.Mapping[str, str] | None = None,
    ) -> str:
        """A tree: ``base`` (a tree-ish, or empty) with ``files`` (path -> blob id, None deletes).

        Files are mode 100644 unless ``modes`` gives another (100755, 120000).
        """
        with tempfile.TemporaryDirectory(prefix="graft-index-") as scratch:
            env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
            if base is not None:
                self.run("read-tree", base, env=env)
            records = []
            for path, sha in files.items():
                if sha is None:
                    records.append(f"0 {null_id(self.object_format)}\t{path}\0")
                else:
                    mode = (modes or {}).get(path, BLOB_MODE)
                    records.append(f"{mode} {sha}\t{path}\0")
            if records:
                info = _path_bytes("".join(records))
                self.run(
                    "update-index", "-z", "--add", "--remove", "--index-info", stdin=info, env=env
                )
            return self.out("write-tree", env=env).strip()

    def reroot_tree(self, treeish: str, prefix: str) -> str:
        """The id of tree-ish ``treeish`` moved under directory ``prefix`` (nothing else in it).

        Writes the tree objects only (no ref points at them): a fork moved in the app gets
        its previous snapshot re-rooted at the new path, so git sees no rename.
        """
        with tempfile.TemporaryDirectory(prefix="graft-index-") as scratch:
            env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
            self.run("read-tree", f"--prefix={prefix.rstrip('/')}/", treeish, env=env)
            return self.out("write-tree", env=env).strip()

    def commit_message(self, commit: str) -> str:
        """The full message of ``commit``."""
        return self.out("log", "-1", "--format=%B", commit)

    def commit_tree(
        self, tree: str, parents: t.Sequence[str], message: str, *, snapshot: bool = False
    ) -> str:
        """A commit object; ``snapshot`` uses graft's fixed identity, else the user's."""
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        env = SNAPSHOT_ENV if snapshot else None
        return self.out(*args, "-F", "-", stdin=message.encode(), env=env).strip()

    # -- changing what the user sees ------------------------------------------

    def checkout_tree(self, old: str, new: str) -> None:
        """Move index and work tree from commit ``old`` to ``new`` (HEAD stays); untracked files survive.

        The index's file stamps are refreshed first (what ``git status`` does, and graft's
        status runs without optional locks): a copied or touched work tree would otherwise
        count as changed. git refuses, before changing anything, when a changed or
        untracked file would be overwritten.
        """
        self.run("update-index", "-q", "--refresh", check=False)
        self.run("read-tree", "-m", "-u", old, new)

    def move_head(self, old: str, new: str, reason: str) -> None:
        """Move index, work tree and HEAD from ``old`` to ``new``; untracked files survive.

        git refuses, before changing anything, when an untracked file would be overwritten.
        """
        self.checkout_tree(old, new)
        self.run("update-ref", "-m", reason, "HEAD", new, old)

    def set_ref(self, ref: str, new: str, old: str | None, reason: str) -> None:
        """Point ``ref`` at ``new``, only if it still points at ``old``."""
        args = ["update-ref", "-m", reason, ref, new]
        if old is not None:
            args.append(old)
        self.run(*args)

    def config_value(self, key: str) -> str | None:
        """The value of ``key`` as git sees it (every config level), or None when unset."""
        status, out, _ = self.run("config", "--get", key, check=False)
        return out.strip() if status == 0 else None

    def enable_rerere(self) -> None:
        """Turn git rerere on in this repository, unless the user has set it either way.

        graft wants resolutions reused on the next sync, but an explicit
        ``rerere.enabled=false`` (in any config file) is the user's choice and stays.
        """
        if self.config_value("rerere.enabled") is None:
            self.set_config("rerere.enabled", "true")

    def set_config(self, key: str, value: str) -> None:
        """Set a repository-local config value."""
        self.run("config", "--local", key, value)

    def merge(self, commit: str, message: str, label: str | None = None) -> MergeResult:
        """Start a real ``git merge --no-commit``; says whether it stopped without conflicts.

        On conflicts the repository is left in git's ordinary merge state. Conflicts that
        git rerere resolved from an earlier resolution count as conflicts too (git exits 1
        and prints "Staged '...' using previous resolution."): they are staged, and
        listed in :attr:`MergeResult.reused` for the user to review. Any other
        failure (an untracked file in the way, say) raises, and git has changed nothing.
        """
        # git labels the other side of conflict markers with the name it was given, so
        # ``label`` is given as a temporary ref under refs/graft/ (a name, not a raw commit id), deleted as
        # soon as git returns; a label git would not take as a ref name falls back to the id.
        ref = f"refs/graft/{label}" if label else None
        if ref is not None and self.run("check-ref-format", ref, check=False)[0] != 0:
            ref = None
        args = (
            "merge",
            "--no-ff",
            "--no-commit",
            "--no-edit",
            "-m",
            message,
            ref[len("refs/") :] if ref is not None else commit,
        )
        try:
            if ref is not None:
                self.set_ref(ref, commit, None, "graft sync: name the upstream snapshot")
            # autoUpdate only for this command: a reused resolution is staged, so what is
            # left unmerged is exactly what still needs the user. Whether rerere runs at
            # all is the repository's setting (graft sets it only when the user has not).
            status, out, err = self.run("-c", "rerere.autoUpdate=true", *args, check=False)
        finally:
            if ref is not None:
                self.run("update-ref", "-d", ref, check=False)
        if status == 0:
            return MergeResult(True)
        reused = tuple(sorted(set(_REUSED_RE.findall(f"{out}\n{err}"))))
        if self.merge_head() is not None and (reused or self.unmerged()):
            return MergeResult(False, reused)
        text = err or out
        if "would be overwritten by merge" in text:
            paths = [line.strip() for line in text.splitlines() if line.startswith("\t")]
            kind = "untracked" if "untracked working tree" in text else "changed"
            raise VcsError(
                f"git merge failed: {kind} files are in the way of upstream's: {', '.join(paths)}.",
                hint="Move them away (or commit them) and retry; nothing was changed.",
            )
        raise git_failure(args, status, text)

    def merge_abort(self) -> None:
        """Undo a stopped merge, back to HEAD (git's own ``merge --abort``)."""
        self.run("merge", "--abort")

    def stage(self, paths: t.Sequence[str]) -> None:
        """``git add`` the given paths (relative to the root)."""
        if paths:
            self.run("add", "--", *paths)

    def unstage_deleted(self, paths: t.Sequence[str]) -> None:
        """Resolve conflicts by deletion: drop the paths from index and work tree."""
        if paths:
            self.run("rm", "-q", "-f", "--", *paths)

    def rerere(self) -> None:
        """Record conflict preimages and replay known resolutions now (if rerere is enabled)."""
        self.run("rerere", check=False)

    def commit_merge(self, message: str) -> str:
        """Conclude the stopped merge as a commit by the user; returns its id.

        git records the resolution for rerere here when the repository enables it.
        """
        self.run("commit", "--no-verify", "-q", "-F", "-", stdin=message.encode())
        head = self.head()
        assert head is not None
        return head

    def restore(self, head: str, branch_ref: str | None) -> None:
        """Put HEAD (and its branch) back at ``head``, with index and work tree to match."""
        current = self.head()
        if current is not None and current != head:
            self.checkout_tree(current, head)
        if branch_ref is not None:
            self.set_ref(branch_ref, head, None, "graft: restore")
        else:
            self.run("update-ref", "--no-deref", "HEAD", head)


_KNOWN_FAILURES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Unable to create '([^']*index\.lock)': File exists"),
        "Another git process is using this repository; if none is running, delete {0} and retry.",
    ),
    (
        re.compile(r"Unable to create '([^']*\.lock)': File exists"),
        "Another git process is using this repository; if none is running, delete {0} and retry.",
    ),
    (
        re.compile(r"(Permission denied|Operation not permitted|Read-only file system)"),
        "Make the files named writable (chmod, or chattr -i for an immutable one) and retry.",
    ),
    (
        re.compile(r"(object.?format|hash algorithm|unknown repository extension)", re.I),
        "The repositories use different object formats (sha1 and sha256), which git cannot "
        "combine; use a source in the app's format.",
    ),
    (
        re.compile(r"(No space left on device|Disk quota exceeded)"),
        "Free some disk space and retry.",
    ),
)


def git_failure(args: t.Sequence[str], status: int, stderr: str) -> VcsError:
    """The error for a failed git command: git's own reason in one line, with a hint that helps.

    git prints its reason first (``fatal: ...``/``error: ...``) and advice after it, so
    the first such line is kept, not the last; known causes (a lock left by another git
    process, permissions, object formats, a full disk) get a hint saying what to do.
    """
    words = [a for a in args if not a.startswith("-") and "=" not in a]
    command = words[0] if words else "git"
    reason = (_git_reason(stderr) or f"exit status {status}").rstrip(".") + "."
    for pattern, hint in _KNOWN_FAILURES:
        found = pattern.search(stderr)
        if found is not None:
            return VcsError(f"git {command} failed: {reason}", hint=hint.format(*found.groups()))
    return VcsError(f"git {command} failed: {reason}")


def worktree_blob(repo: Repo, path: str) -> str | None:
    """The blob id the file at ``path`` in the work tree would have, or None if there is none.

    Computed in-process (no filters: graft writes bytes as stored); a symlink's id is
    that of its target text, as git stores it.
    """
    full = repo.root / path
    try:
        if full.is_symlink():
            data = os.readlink(full).encode()
        elif full.is_file():
            data = full.read_bytes()
        else:
            return None
    except OSError:
        return None
    return hash_blob(data, repo.object_format)


def mirror(url: str, dest: Path) -> Repo:
    """A bare mirror of the repository at ``url`` in ``dest``, cloned or fetched up to date."""
    _require_git()
    try:
        if (dest / "HEAD").exists():
            repo = Repo(dest, search_parents=False)
            repo.run("fetch", "--prune", "--tags", "--quiet", "origin")
            return repo
        dest.parent.mkdir(parents=True, exist_ok=True)
        git.Repo.clone_from(url, os.fspath(dest), mirror=True, multi_options=["--quiet"])
    except GitCommandError as exc:
        raise VcsError(
            f"cannot fetch {url}: {_git_reason(exc.stderr or '') or exc}",
            hint="Check the URL (or path) and that you can reach it with "
            "`git ls-remote`; nothing was changed.",
        ) from None
    except VcsError as exc:
        raise VcsError(
            f"cannot fetch {url}: {exc.message.partition(': ')[2] or exc.message}",
            hint="Check the URL (or path) and that you can reach it with "
            "`git ls-remote`; nothing was changed.",
        ) from None
    return Repo(dest, search_parents=False)


def init_repository(root: Path, *, branch: str = "main") -> Repo:
    """A new repository at ``root`` (created if missing) whose first branch is ``branch``.

    The branch is set with ``init.defaultBranch`` rather than ``--initial-branch``: a git
    older than 2.28 ignores the setting (and names the branch master) instead of failing.
    """
    _require_git()
    command = ["git", "-c", f"init.defaultBranch={branch}", "init", "-q", os.fspath(root)]
    try:
        status, _, err = git.Git().execute(
            command, with_extended_output=True, with_exceptions=False
        )
    except GitCommandError as exc:  # git itself could not be started
        raise VcsError(f"git init failed: {exc}") from None
    if status != 0:
        raise VcsError(f"git init failed: {_git_reason(err) or err.strip()}")
    return Repo(root, search_parents=False)


def _git_reason(stderr: str) -> str:
    """git's own reason from its stderr: the first ``fatal:``/``error:`` line.

    GitPython wraps stderr as ``\n  stderr: '...'``, so its last line is a lone quote.
    """
    text = stderr.strip()
    if text.startswith("stderr:"):
        text = text[len("stderr:") :].strip().strip("'")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else ""


def is_repository_root(path: Path) -> bool:
    """Whether ``path`` is the top of a git work tree or a bare repository.

    A ``.git`` that is not a repository (an empty folder left in an unpacked archive, a
    stray file) does not count: such a directory is read as a plain directory.
    """
    dot_git = path / ".git"
    if dot_git.is_file():
        try:
            return dot_git.read_text("utf-8", "replace").startswith("gitdir:")
        except OSError:
            return False
    if dot_git.is_dir():
        return _is_git_dir(dot_git)
    return _is_git_dir(path)


def _is_git_dir(path: Path) -> bool:
    """Whether ``path`` looks like a git dir the way git checks one (HEAD, objects, refs)."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


__all__ = [
    "SNAPSHOT_ENV",
    "Change",
    "MergeResult",
    "Repo",
    "TreeObject",
    "OBJECT_FORMATS",
    "hash_blob",
    "hash_tree",
    "is_object_id",
    "is_repository_root",
    "null_id",
    "mirror",
    "tree_objects",
    "git_failure",
    "worktree_blob",
]


# --- used by status/diff/check ---


@dataclass(frozen=True)
class FileStat:
    """One file of a diff: git's status letter, its path(s), and lines added and removed.

    ``added``/``removed`` are None for a binary file (git cannot count its lines).
    """

    status: str
    path: str
    new_path: str | None = None
    added: int | None = None
    removed: int | None = None


# Explicit prefixes and switches so the user's diff configuration (noprefix, external
# diff drivers, textconv, diff.relative, color) cannot change what graft parses or emits.
_DIFF_FLAGS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


def _diff_command(command: str, old: str, new: str | None, prefix: str | None) -> list[str]:
    args = [command, *_DIFF_FLAGS]
    if command == "diff":
        args.append("--no-relative")
    args += [old] if new is None else [old, new]
    return args + (["--", prefix] if prefix else [])


def diff_stats(
    repo: Repo, old: str, new: str | None = None, prefix: str | None = None
) -> list[FileStat]:
    """What changed from tree-ish ``old`` to ``new`` (the work tree's tracked files if None)."""
    command = "diff" if new is None else "diff-tree"
    base = _diff_command(command, old, new, prefix)
    if command == "diff-tree":
        base.insert(1, "-r")
    names = repo.out(*base[:1], "-z", "--name-status", *base[1:], strip=False).split("\0")
    counts = repo.out(*base[:1], "-z", "--numstat", *base[1:], strip=False).split("\0")
    lines: dict[str, tuple[int | None, int | None]] = {}
    i = 0
    while i < len(counts) and counts[i]:
        added, removed, path = counts[i].split("\t", 2)
        if not path:  # a rename: the old and new paths follow as their own fields
            path, i = counts[i + 2], i + 3
        else:
            i += 1
        lines[path] = (
            None if added == "-" else int(added),
            None if removed == "-" else int(removed),
        )
    stats: list[FileStat] = []
    i = 0
    while i < len(names) and names[i]:
        status = names[i][0]
        if status in "RC":
            path, new_path, i = names[i + 1], names[i + 2], i + 3
        else:
            path, new_path, i = names[i + 1], None, i + 2
        plus, minus = lines.get(new_path or path, (None, None))
        stats.append(FileStat(status, path, new_path, plus, minus))
    return stats


def diff_patch(repo: Repo, old: str, new: str | None = None, prefix: str | None = None) -> str:
    """A patch from tree-ish ``old`` to ``new`` (the work tree if None) that ``git apply`` takes."""
    args = _diff_command("diff" if new is None else "diff-tree", old, new, prefix)
    if new is not None:
        args[1:1] = ["-r", "-p"]
    return repo.out(*args[:1], "--binary", *args[1:], strip=False)


def diff_contents(repo: Repo, old: t.Mapping[str, bytes], new: t.Mapping[str, bytes]) -> str:
    """A patch from one set of files (path -> bytes) to another, made by git.

    The objects go to a scratch object directory that is deleted afterwards, so the
    repository gains nothing; it only lends git a place to run.
    """
    with tempfile.TemporaryDirectory(prefix="graft-diff-") as scratch:
        objects = Path(scratch, "objects")
        objects.mkdir()
        env = {"GIT_OBJECT_DIRECTORY": os.fspath(objects), "GIT_ALTERNATE_OBJECT_DIRECTORIES": ""}
        trees = []
        for side, files in (("old", old), ("new", new)):
            env["GIT_INDEX_FILE"] = os.path.join(scratch, f"{side}.index")
            paths = []
            for i, data in enumerate(files.values()):
                path = Path(scratch, f"{side}-{i}")
                path.write_bytes(data)
                paths.append(os.fspath(path))
            shas = []
            if paths:
                listing = ("\n".join(paths) + "\n").encode()
                shas = repo.out(
                    "hash-object", "-w", "--no-filters", "--stdin-paths", stdin=listing, env=env
                ).split()
            info = "".join(f"{BLOB_MODE} {sha}\t{name}\n" for name, sha in zip(files, shas))
            repo.run("read-tree", "--empty", env=env)
            if info:
                repo.run("update-index", "--add", "--index-info", stdin=_path_bytes(info), env=env)
            trees.append(repo.out("write-tree", env=env).strip())
        args = _diff_command("diff-tree", trees[0], trees[1], None)
        return repo.out(args[0], "-r", "-p", "--binary", *args[1:], env=env, strip=False)


__all__ += ["FileStat", "diff_contents", "diff_patch", "diff_stats"]
