"""Console commands and environment variables that client code hands to the renamed package.

Code that drives a framework from outside names it twice more: the console command
(``subprocess.run(["flask", "db", "upgrade"])``) and the variables the framework reads
(``env={"FLASK_APP": "app.py"}``, ``monkeypatch.setenv("FLASK_DEBUG", "1")``). After a
rename both must follow, but only to what the new package really answers to, which
the import map alone does not say: a fork of Flask keeps reading ``FLASK_*`` (Flask
spells the names out), while vial and its forks derive command, prefix and dotenv
file from their package name. So this pass acts only on what the options declare
(:attr:`RewriteOptions.commands` and :attr:`RewriteOptions.env_prefixes`, filled in by
the ``flask-vial`` profile and by ``--target``); without them nothing here changes.

What it renames, where the code itself sets what the framework reads:

* an argv list literal starting with the old command, passed to ``subprocess.run``/
  ``call``/``check_call``/``check_output``/``Popen`` or ``asyncio.create_subprocess_exec``:
  the command becomes the new console command, or ``sys.executable, "-m", "NEW"``
  for a package run as a module (``"python", "-m", "NEW"`` where the file does not
  import ``sys``: the old command was found on ``PATH``, and so is that ``python``);
* a shell command string (``os.system``, ``shell=True``) or a whole command line
  handed to a helper (``run_cmd("flask db init")``) that starts with the old command;
* a variable name under the old prefix that the code sets or clears for the
  framework: keys of an ``env=`` mapping of those calls, of ``patch.dict(os.environ,
  {...})``, of ``os.environ.update({...})`` and of a dict spread from ``os.environ``;
  ``os.environ[NAME] = ...``, ``del os.environ[NAME]``, ``os.environ.setdefault``/
  ``pop``, ``os.putenv``/``unsetenv``, ``monkeypatch.setenv``/``delenv``.

Reads (``os.environ.get("FLASK_DEBUG")``) stay: the deployment sets those, and
:mod:`graft.rewrite.env` reports them with the new name to set.
"""

from __future__ import annotations

import re
import typing as t

import libcst as cst

from .options import MODULE_RUN
from .scopes import Analysis, StringUse
from .syntax import Path, dotted_name

if t.TYPE_CHECKING:
    from .edit import Edits
    from .options import RewriteOptions

_ARGV_CALLS = frozenset(
    {"run", "call", "check_call", "check_output", "Popen", "create_subprocess_exec"}
)
_SHELL_CALLS = frozenset(
    {"system", "popen", "getoutput", "getstatusoutput", "create_subprocess_shell"}
)
_ENV_SETTERS = frozenset({"setenv", "delenv", "putenv", "unsetenv"})
_ENVIRON_SETTERS = frozenset({"setdefault", "pop"})


def needles(options: RewriteOptions) -> tuple[str, ...]:
    """What a file must contain for this pass to matter: old commands and ``PREFIX_``."""
    return (
        *(old for old, _ in options.commands),
        *(old + "_" for old, _ in options.env_prefixes),
    )


def folded_needles(options: RewriteOptions) -> tuple[str, ...]:
    """Distribution names the options redirect, lower case, as ``-`` and ``_`` spellings:
    a lookup of ``"Flask-Login"`` or ``"attrs"`` needs the string pass even in a file that
    never names the import package."""
    found: list[str] = []
    for old, _ in options.distribution_names:
        found.extend(dict.fromkeys((old, old.replace("_", "-"))))
    return tuple(found)


def plan_commands(analysis: Analysis, options: RewriteOptions, edits: Edits) -> None:
    """Rename the commands and environment names the options declare, in the positions above."""
    if not options.commands and not options.env_prefixes:
        return
    commands = dict(options.commands)
    prefixes = dict(options.env_prefixes)
    variable = (
        re.compile(r"(" + "|".join(map(re.escape, sorted(prefixes))) + r")_[A-Z0-9_]+")
        if prefixes
        else None
    )
    for use in analysis.strings:
        node = use.node
        if not isinstance(node, cst.SimpleString) or "b" in node.prefix.lower():
            continue
        value = node.raw_value
        if variable is not None:
            match = variable.fullmatch(value)
            if match is not None and _sets_environment(use.path, node, analysis):
                new = prefixes[match.group(1)] + value[len(match.group(1)) :]
                _respell(node, new, use.path, edits)
                continue
        head = value.split(" ", 1)[0]
        if head in commands:
            before = len(edits.findings)
            _plan_command(use, value, commands[head], analysis, edits)
            if len(edits.findings) > before:
                edits.settled.add(id(node))


def _respell(node: cst.SimpleString, value: str, path: Path, edits: Edits) -> None:
    opening = node.value[: len(node.prefix) + len(node.quote)]
    edits.replace(node, node.with_changes(value=opening + value + node.quote), path)


def _callee(call: cst.Call, analysis: Analysis) -> tuple[str, str]:
    """(resolved dotted callee, its last name)."""
    dotted = dotted_name(call.func) or ""
    head, dot, rest = dotted.partition(".")
    target = analysis.local_imports.get(head)
    resolved = (target + dot + rest) if target is not None else dotted
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else resolved.rpartition(".")[2]
    return resolved, last


def _is_environ(node: cst.BaseExpression | None, analysis: Analysis) -> bool:
    if node is None:
        return False
    if isinstance(node, cst.SimpleString):
        return node.raw_value == "os.environ"  # patch.dict("os.environ", {...})
    dotted = dotted_name(node) or ""
    head, dot, rest = dotted.partition(".")
    resolved = (analysis.local_imports.get(head, head)) + dot + rest
    return resolved.endswith("os.environ") or resolved == "environ"


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _positional(call: cst.Call, arg: cst.CSTNode) -> int:
    position = 0
    for candidate in call.args:
        if candidate is arg:
            return position if candidate.keyword is None else -1
        if candidate.keyword is None and not candidate.star:
            position += 1
    return -1


def _sets_environment(path: Path, node: cst.SimpleString, analysis: Analysis) -> bool:
    """Whether the string names a variable the code sets or clears, in one of the positions above."""
    if not path:
        return False
    parent = path[-1]
    if isinstance(parent, cst.DictElement) and parent.key is node and len(path) >= 3:
        return _is_env_mapping(path[:-1], analysis)
    if isinstance(parent, cst.Index) and len(path) >= 4 and isinstance(path[-3], cst.Subscript):
        subscript = path[-3]
        assert isinstance(subscript, cst.Subscript)
        if not _is_environ(subscript.value, analysis):
            return False
        holder = path[-4]
        return isinstance(holder, (cst.AssignTarget, cst.Del)) or (
            isinstance(holder, cst.Element) and len(path) >= 6 and isinstance(path[-6], cst.Del)
        )
    if isinstance(parent, cst.Arg) and len(path) >= 2 and isinstance(path[-2], cst.Call):
        call = path[-2]
        assert isinstance(call, cst.Call)
        resolved, last = _callee(call, analysis)
        position = _positional(call, parent)
        if last in _ENV_SETTERS and position == 0:
            return "." in resolved or last in ("putenv", "unsetenv")
        if last in _ENVIRON_SETTERS and position == 0 and isinstance(call.func, cst.Attribute):
            return _is_environ(call.func.value, analysis)
    return False


def _is_env_mapping(path: Path, analysis: Analysis) -> bool:
    """Whether the dict at the end of ``path`` becomes a process environment."""
    mapping = path[-1]
    if not isinstance(mapping, cst.Dict):
        return False
    if any(
        isinstance(e, cst.StarredDictElement) and _is_environ(e.value, analysis)
        for e in mapping.elements
    ):
        return True  # {**os.environ, "FLASK_APP": ...}
    if len(path) < 3 or not isinstance(path[-2], cst.Arg) or not isinstance(path[-3], cst.Call):
        return False
    arg, call = path[-2], path[-3]
    assert isinstance(arg, cst.Arg) and isinstance(call, cst.Call)
    resolved, last = _callee(call, analysis)
    if arg.keyword is not None and arg.keyword.value == "env":
        return True  # subprocess.run(..., env={...}) and the like
    if last == "dict" and resolved.endswith("patch.dict") and call.args:
        return _is_environ(call.args[0].value, analysis) and _positional(call, arg) == 1
    if last == "update" and isinstance(call.func, cst.Attribute):
        return _is_environ(call.func.value, analysis)
    return False


def _plan_command(use: StringUse, value: str, new: str, analysis: Analysis, edits: Edits) -> None:
    path = use.path
    node = use.node
    assert isinstance(node, cst.SimpleString)
    call = _argv_call(path)
    if call is not None and value == value.split(" ", 1)[0]:
        if not new.startswith(MODULE_RUN):
            _respell(node, new, path, edits)
            return
        module = new[len(MODULE_RUN) :]
        element = path[-1]
        assert isinstance(element, cst.Element)
        quote = node.quote
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        # The old command was found on PATH; "python" from the same PATH runs the same
        # interpreter. Where the file imports sys, sys.executable says so exactly.
        interpreter = (
            cst.parse_expression("sys.executable")
            if analysis.local_imports.get("sys") == "sys"
            else cst.SimpleString(f"{quote}python{quote}")
        )
        elements: list[cst.CSTNode] = [
            cst.Element(interpreter, comma=comma),
            cst.Element(cst.SimpleString(f"{quote}-m{quote}"), comma=comma),
            element.with_changes(
                value=node.with_changes(value=f"{node.prefix}{quote}{module}{quote}")
            ),
        ]
        edits.replace(element, elements, path[:-1])
        return
    if _shell_call(path, analysis) or _command_line(value, path):
        # "python -m NEW": the same interpreter the old command's PATH entry would have run.
        _respell(node, new + value[len(value.split(" ", 1)[0]) :], path, edits)


_COMMAND_LINE = re.compile(r"\S+(?: +(?:[a-z][\w.:-]*|-{1,2}[\w-]+(?:=\S*)?|[\w./:=@,'\"-]+))+")
_MESSAGE_CALLS = frozenset({"print", "echo", "secho", "info", "debug", "warning", "error", "warn"})


def _command_line(value: str, path: Path) -> bool:
    """A literal that reads as a whole command line (``"flask db init --multidb"``) handed to a call.

    Test suites route commands through helpers (``run_cmd("app.py", "flask db upgrade")``
    splitting with ``shlex``), where no subprocess call is visible; a string that is a
    command word followed by a subcommand (lower case) and options, with no sentence
    punctuation, given as an argument, is taken as one.
    """
    if not _COMMAND_LINE.fullmatch(value) or ". " in value or value.endswith((".", "!", "?")):
        return False
    words = value.split()
    if len(words) < 2 or not (words[1][:1].islower() or words[1].startswith("-")):
        return False
    if len(path) < 2 or not isinstance(path[-1], cst.Arg) or not isinstance(path[-2], cst.Call):
        return False
    func = path[-2].func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return name not in _MESSAGE_CALLS and not str(name).endswith(("Error", "Exception"))


def _argv_call(path: Path) -> cst.Call | None:
    """The subprocess call whose argv list literal starts with the string at the end of ``path``."""
    if len(path) < 4 or not isinstance(path[-1], cst.Element):
        return None
    container = path[-2]
    if not isinstance(container, (cst.List, cst.Tuple)) or container.elements[0] is not path[-1]:
        return None
    arg, call = path[-3], path[-4]
    if not isinstance(arg, cst.Arg) or not isinstance(call, cst.Call):
        return None
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    if last not in _ARGV_CALLS:
        return None
    if arg.keyword is not None and arg.keyword.value not in ("args", "cmd"):
        return None
    if arg.keyword is None and _positional(call, arg) != 0:
        return None
    return call


def _shell_call(path: Path, analysis: Analysis) -> bool:
    """Whether the string at the end of ``path`` is a shell command line given to a call."""
    if len(path) < 2 or not isinstance(path[-1], cst.Arg) or not isinstance(path[-2], cst.Call):
        return False
    arg, call = path[-1], path[-2]
    assert isinstance(arg, cst.Arg) and isinstance(call, cst.Call)
    if _positional(call, arg) != 0 and not (arg.keyword and arg.keyword.value in ("args", "cmd")):
        return False
    resolved, last = _callee(call, analysis)
    if last in _SHELL_CALLS:
        return last != "system" or resolved.startswith("os")
    shell = _keyword(call, "shell")
    return (
        last in _ARGV_CALLS
        and shell is not None
        and isinstance(shell.value, cst.Name)
        and shell.value.value == "True"
    )


__all__ = ["MODULE_RUN", "needles", "plan_commands"]
