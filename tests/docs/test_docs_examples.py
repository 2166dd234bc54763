"""Every example in README.md and docs/ runs, as a reader would run it.

Docs that lie are worse than no docs, so the code blocks are executed: each page in
a temp dir of its own, its blocks in order. ``python`` blocks run in one namespace
per page (like a doctest session); ``sh``/``bash``/``console`` blocks run in bash,
each starting in the directory where the previous one ended, with this venv's
``graft`` and ``vial`` on PATH and a git identity of their own. Other languages
(``toml``, ``text``, ``html+jinja`` ...) are shown, not run.

A comment on the line just before a block changes that (docs/contributing.md says
how): ``% doc-test: skip`` (or ``<!-- doc-test: skip -->`` in README.md) does not run
it; ``file=PATH`` writes the block to PATH instead of running it; ``exit=N`` expects
exit code N from a shell block. A ``{code-block}`` without a language never runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PAGES = [p for p in PAGES if "_build" not in p.parts]
SHELLS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
MARKER = re.compile(r"^\s*(?:%\s*doc-test:(?P<a>.*)|<!--\s*doc-test:(?P<b>.*?)-->)\s*$")

#: Shell set-up run before a page's blocks, for pages that start "in your app".
SETUP: dict[str, str] = {
    "README.md": textwrap.dedent("""\
        mkdir my-app && cd my-app && git init -q
        printf 'from vial import Vial\\n\\napp = Vial(__name__)\\n' > app.py
        git add app.py && git commit -qm "my app"
    """),
    "docs/ci.md": textwrap.dedent("""\
        mkdir my-app && cd my-app && git init -q
        printf '[project]\\nname = "my-app"\\nversion = "0.1.0"\\n' > pyproject.toml
        git add -A && git commit -qm "my app" && graft -q fork vial acme_web
        printf 'import acme_web\\n\\napp = acme_web.Vial(__name__)\\n' > app.py
        mkdir tests && printf 'from app import app\\n' > tests/test_app.py
        git add -A && git commit -qm "on acme_web"
    """),
}


@dataclass
class Block:
    """One fenced code block and what its marker asks for."""

    page: str
    line: int
    lang: str
    code: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _language(info: str) -> str:
    info = info.strip()
    directive = re.match(r"\{code-block\}\s*(\S*)", info)
    if directive:
        return directive.group(1)
    if info.startswith("{"):
        return ""  # another directive (toctree, automodule, ...)
    return info.split()[0] if info else ""


def _options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for word in text.split():
        key, _, value = word.partition("=")
        options[key] = value
    return options


def extract_blocks(path: Path, root: Path = ROOT) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the markers just above them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match.group("fence")
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence))
            and lines[i].strip().strip(fence[0]) == ""
        ):
            body.append(lines[i])
            i += 1
        i += 1
        info = match.group("info")
        # MyST directive options (":caption: x") open the body of a {code-block}.
        if info.strip().startswith("{"):
            while body and body[0].startswith(":"):
                body.pop(0)
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        marker = MARKER.match(lines[j]) if j >= 0 else None
        options = _options(marker.group("a") or marker.group("b") or "") if marker else {}
        rel = path.relative_to(root).as_posix()
        blocks.append(Block(rel, start + 1, _language(info), "\n".join(body) + "\n", options))
    return blocks


def console_commands(code: str) -> str:
    """The commands of a ``console`` block: ``$ `` lines, with their continuations."""
    commands: list[str] = []
    continuing = False
    for line in code.splitlines():
        if line.startswith("$ "):
            commands.append(line[2:])
            continuing = line.endswith("\\")
        elif continuing:
            commands.append(line)
            continuing = line.endswith("\\")
    return "\n".join(commands) + "\n"


def runs(block: Block) -> bool:
    if "skip" in block.options:
        return False
    if "file" in block.options:
        return True
    return block.lang in SHELLS or block.lang in {"python", "py", "pycon"}


class PageRunner:
    """Runs one page's blocks in order, carrying the shell's directory and Python's names."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.state = tmp / ".doc-test-cwd"
        self.state.write_text(os.fspath(tmp / "work"))
        (tmp / "work").mkdir()
        home = tmp / "home"
        home.mkdir()
        gitconfig = home / ".gitconfig"
        gitconfig.write_text(
            "[user]\n\tname = Doc Reader\n\temail = reader@example.invalid\n"
            "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
            "[advice]\n\tdetachedHead = false\n"
        )
        bin_dir = os.fspath(Path(sys.executable).parent)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GRAFT_"))},
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "HOME": os.fspath(home),
            "GIT_CONFIG_GLOBAL": os.fspath(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GRAFT_CACHE_DIR": os.fspath(home / "cache"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
        }
        self.namespace: dict[str, t.Any] = {"__name__": "docs_example"}

    @property
    def cwd(self) -> Path:
        return Path(self.state.read_text().strip())

    def shell(self, code: str, where: str, expected: int = 0) -> None:
        script = f'cd "{self.cwd}"\ntrap \'pwd > "{self.state}"\' EXIT\nset -eo pipefail\n' + code
        proc = subprocess.run(
            ["bash", "-c", script],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert proc.returncode == expected, (
            f"{where}: exit {proc.returncode}, expected {expected}\n--- block\n{code}"
            f"--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"
        )

    def python(self, code: str, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(self.cwd)
        monkeypatch.syspath_prepend(os.fspath(self.cwd))
        compiled = compile(code, where, "exec")
        exec(compiled, self.namespace)

    def run(self, block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
        if "file" in block.options:
            target = self.cwd / block.options["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
            return
        expected = int(block.options.get("exit", "0") or 0)
        if block.lang == "console":
            self.shell(console_commands(block.code), block.id, expected)
        elif block.lang in SHELLS:
            self.shell(block.code, block.id, expected)
        else:
            self.python(block.code, block.id, monkeypatch)


def _page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name in ("app", "hello") or name.startswith(("shop_web", "acme_web", "flask_hello")):
            monkeypatch.delitem(sys.modules, name)
    runner = PageRunner(tmp_path)
    setup = SETUP.get(_page_id(page))
    if setup:
        runner.shell(setup, f"{_page_id(page)} (set-up)")
    for block in extract_blocks(page):
        if runs(block):
            runner.run(block, monkeypatch)


def test_extract_blocks_reads_markers_and_directives(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        textwrap.dedent("""\
        # A page

        ```python
        x = 1
        ```

        % doc-test: skip
        ```sh
        sleep 1000
        ```

        <!-- doc-test: file=hello.py -->
        ```python
        print("hi")
        ```

        ```{code-block}
        rm -rf /
        ```

        ````{code-block} console
        :caption: a session
        $ graft --version
        graft, version 0.1.0
        ````
        """)
    )
    blocks = extract_blocks(page, root=tmp_path)
    assert [(b.lang, b.options) for b in blocks] == [
        ("python", {}),
        ("sh", {"skip": ""}),
        ("python", {"file": "hello.py"}),
        ("", {}),
        ("console", {}),
    ]
    assert [runs(b) for b in blocks] == [True, False, True, False, True]
    assert console_commands(blocks[-1].code) == "graft --version\n"


def test_every_page_is_in_a_toctree() -> None:
    """A page no toctree reaches is invisible in the built docs (and -W warns)."""
    docs = ROOT / "docs"
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in docs.rglob("*.md") if "_build" not in p.parts
    )
    for page in docs.rglob("*.md"):
        if "_build" in page.parts or page.name == "index.md" and page.parent == docs:
            continue
        rel = page.relative_to(docs).with_suffix("").as_posix()
        name = page.with_suffix("").name
        assert re.search(rf"(?m)^\s*({re.escape(rel)}|{re.escape(name)})\s*$", text), rel


def test_readme_quickstart_is_the_two_commands() -> None:
    """The Quickstart is exactly two commands, and CI runs the second one verbatim."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in extract_blocks(readme) if b.lang == "sh" and b.code.strip() in section]
    assert len(blocks) == 1
    assert blocks[0].code.strip().splitlines() == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e ./framework -e '.[test]' "
        "&& graft demo demo-app",
        "python -m pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    runs = [line for line in ci if re.match(r"\s*[^#\s].*\bpytest\b(?!-)", line)]
    assert runs == ["python -m pytest"]  # coverage comes in through PYTEST_ADDOPTS
