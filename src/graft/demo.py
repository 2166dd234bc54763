"""``graft demo``: the whole cycle on a throw-away app, told as a story.

A newcomer should see what graft is for in one command, on a machine with only
Python and git: fork the bundled vial into an app under a new name, patch an
extension to that name, serve requests with ``vial`` not importable, then merge
a new upstream release into the changed fork. Every step calls the same library
functions the ``graft`` commands call, so the demo cannot drift from the tool.

The demo app and the extension are ``fixtures/apps/acme`` and
``fixtures/extensions/flask-greeting`` of the repository, which the wheel ships as package
data under ``graft/demo_assets/`` (an editable install reads them in place). The "new
upstream release" is a changed copy of the bundled vial written to the demo's
scratch directory (``.graft-demo/``, ignored by the demo repository's git).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from . import sources, vcs
from .errors import ToolError, UserError
from .fork import fork
from .patch import patch
from .sync import sync


def _assets_root() -> Path:
    """The wheel's ``graft/demo_assets``, or ``fixtures/`` of the source checkout."""
    packaged = Path(__file__).with_name("demo_assets")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "fixtures"


ASSETS = _assets_root()
"""Where the demo's app and extension come from (same layout in the wheel and the checkout)."""
APP_FIXTURE = ASSETS / "apps" / "acme"
EXTENSION_FIXTURE = ASSETS / "extensions" / "flask-greeting"
FORK_NAME = "acme_web"
SCRATCH = ".graft-demo"
"""The demo's scratch directory inside the app: the extension source and the new release."""
LOCAL_MARK = 'ACME_BUILD = "acme-1"'
"""The local change the demo makes in the fork, which the sync must keep."""

HEALTH_MODULE = '''\
"""A health-check blueprint (new upstream in this release)."""

from __future__ import annotations

from .blueprints import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "framework": __package__ or __name__}
'''

SERVE_SCRIPT = textwrap.dedent("""\
    import json, sys
    sys.modules["vial"] = None   # the fork must not need the original...
    sys.modules["flask"] = None  # ...and the patched extension must not need Flask
    import app as demo
    paths = json.loads(sys.argv[1])
    if "/healthz" in paths:
        from acme_web.health import bp
        demo.app.register_blueprint(bp)
    client = demo.app.test_client()
    responses = []
    for path in paths:
        response = client.get(path)
        responses.append([path, response.status_code, response.get_data(as_text=True)])
    import acme_web
    loaded = sorted(name for name, module in sys.modules.items() if module is not None)
    print(json.dumps({"responses": responses, "modules": loaded,
                      "version": acme_web.__version__,
                      "local": getattr(acme_web, "ACME_BUILD", None)}))
""")


@dataclass
class Served:
    """What one round of requests through the forked app returned."""

    responses: list[tuple[str, int, str]]
    modules: list[str]
    """Every module the app process had loaded at the end."""
    version: str
    local: str | None
    """The fork's local change (``ACME_BUILD``), if it is there."""

    def loaded(self, top: str) -> list[str]:
        """The loaded modules of package ``top`` (``top`` itself and ``top.*``)."""
        return [m for m in self.modules if m == top or m.startswith(top + ".")]


@dataclass
class DemoResult:
    """The demo's outcomes, for tests and for anyone scripting it."""

    root: Path
    fork_commit: str = ""
    patch_commit: str = ""
    merge_commit: str = ""
    sync_status: str = ""
    first: Served | None = None
    second: Served | None = None
    findings: list[str] = field(default_factory=list)


Say = t.Callable[[str, str], None]
"""Where the story goes: ``say(text, style)``, ``style`` one of ``title``, ``step``, ``ok``,
``info``, ``note`` or ``plain`` (the CLI maps them to colours)."""


class Story:
    """Numbered steps with their results, handed line by line to ``say`` (nothing when None)."""

    def __init__(self, say: Say | None = None) -> None:
        self._say = say
        self.number = 0

    def step(self, title: str) -> None:
        self.number += 1
        self.say("")
        self.say(f"{self.number}. {title}", "step")

    def ok(self, text: str) -> None:
        self.say(f"   ✓ {text}", "ok")

    def info(self, text: str) -> None:
        self.say(f"     {text}", "info")

    def note(self, text: str) -> None:
        self.say(f"     {text}", "note")

    def say(self, text: str, style: str = "plain") -> None:
        if self._say is not None:
            self._say(text, style)


# -- git in the demo repository -------------------------------------------------


def _init_repo(root: Path) -> vcs.Repo:
    """``git init`` with a local identity when the machine has none (a fresh machine)."""
    repo = vcs.init_repository(root)
    for key, value in (("user.name", "graft demo"), ("user.email", "demo@graft.invalid")):
        if not repo.run("config", key, check=False)[1].strip():
            repo.set_config(key, value)
    repo.set_config("commit.gpgsign", "false")
    return repo


def _commit(repo: vcs.Repo, message: str) -> str:
    repo.run("add", "-A")
    repo.run("commit", "--no-verify", "-q", "-m", message)
    return repo.head() or ""


# -- the steps -------------------------------------------------------------------


def check_target(directory: Path) -> None:
    """Refuse, before writing anything: a DIR in use, no git, or an install without the assets.

    The demo never overwrites, and a half-made demo directory would block the next try.
    """
    if directory.is_file() or directory.is_symlink():
        raise UserError(
            f"{directory} exists and is not a directory.",
            hint="Choose another DIR, e.g. `graft demo demo-app2`.",
        )
    if directory.is_dir() and any(directory.iterdir()):
        raise UserError(
            f"{directory} exists and is not empty.", hint="Choose another DIR, or remove it first."
        )
    if shutil.which("git") is None:
        raise UserError("git is not installed (or not on PATH).", hint="Install git and retry.")
    for needed in (APP_FIXTURE, EXTENSION_FIXTURE):
        if not needed.is_dir():
            raise UserError(
                f"the demo's files are missing from this install of graft ({needed}).",
                hint="Reinstall graft-fork (pip install --force-reinstall graft-fork).",
            )


def create_app(root: Path) -> vcs.Repo:
    """The acme app from the fixture, committed in a new repository."""
    shutil.copytree(
        APP_FIXTURE, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / ".gitignore").write_text(f"/{SCRATCH}/\n__pycache__/\n", encoding="utf-8")
    repo = _init_repo(root)
    _commit(repo, "acme: the demo app, written for a fork of vial named acme_web")
    shutil.copytree(
        EXTENSION_FIXTURE,
        root / SCRATCH / EXTENSION_FIXTURE.name,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return repo


def do_by_hand(root: Path) -> list[str]:
    """What a human does after ``graft patch``: answer its findings, wire the extension in."""
    done = []
    template = root / "flask_greeting" / "templates" / "greeting.html"
    if template.is_file() and "served by flask" in template.read_text(encoding="utf-8"):
        template.write_text(
            template.read_text(encoding="utf-8").replace(
                "served by flask", f"served by {FORK_NAME}"
            ),
            encoding="utf-8",
        )
        done.append("flask_greeting/templates/greeting.html: says acme_web, not flask")
    app = root / "app.py"
    app.write_text(
        app.read_text(encoding="utf-8")
        + "\n\nfrom flask_greeting import Greeting  # noqa: E402\n\nGreeting(app)\n",
        encoding="utf-8",
    )
    done.append("app.py: Greeting(app)")
    return done


def serve(root: Path, paths: t.Sequence[str]) -> Served:
    """Requests through the app's test client, in a process where vial and flask cannot load."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", SERVE_SCRIPT, json.dumps(list(paths))],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ToolError(f"the demo app failed to serve: {tail}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    responses = [(str(path), int(status), str(body)) for path, status, body in data["responses"]]
    return Served(responses, data["modules"], data["version"], data["local"])


def change_fork(root: Path) -> None:
    """A local change to the fork, in a file upstream will change too (far from its change)."""
    init = root / FORK_NAME / "__init__.py"
    with init.open("a", encoding="utf-8") as handle:
        handle.write(
            f"\n\n#: A local change made in the fork; graft sync keeps it.\n{LOCAL_MARK}\n"
        )


def next_version(version: str) -> str:
    """The next minor release after ``version`` (``0.1.0`` -> ``0.2.0``)."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if not match:
        return "999.0.0"
    return f"{match.group(1)}.{int(match.group(2)) + 1}.0"


def release_upstream(root: Path) -> tuple[Path, str, str]:
    """A changed copy of the bundled vial in the scratch area: (directory, old, new version)."""
    bundled = sources.locate(sources.BUNDLED, root=root)
    old = bundled.revision
    new = next_version(old)
    release = root / SCRATCH / f"vial-{new}"
    package = release / bundled.package
    for rel, data in bundled.files.items():
        target = package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    init = package / "__init__.py"
    text = init.read_text(encoding="utf-8")
    text, count = re.subn(r'(?m)^__version__ = "[^"]*"', f'__version__ = "{new}"', text)
    if count != 1:
        raise ToolError('the bundled vial has no `__version__ = "..."` line to bump.')
    init.write_text(text, encoding="utf-8")
    (package / "health.py").write_text(HEALTH_MODULE, encoding="utf-8")
    return release, old, new


def _html_text(body: str) -> str:
    """A response body on one line, tags stripped, for the story."""
    text = re.sub(r"<[^>]+>", " ", body)
    return " ".join(text.split())


def _show_served(story: Story, served: Served) -> None:
    for path, status, body in served.responses:
        story.ok(f"GET {path} -> {status}  {_html_text(body)}")
    tops = sorted(
        {m.split(".")[0] for m in served.modules} & {"vial", "flask", FORK_NAME, "flask_greeting"}
    )
    story.info(
        f"loaded: {', '.join(tops)} ({len(served.loaded(FORK_NAME))} {FORK_NAME} modules); "
        f"vial loaded: {'yes' if served.loaded('vial') else 'no'}, "
        f"flask loaded: {'yes' if served.loaded('flask') else 'no'}"
    )


def run_demo(directory: Path, *, say: Say | None = None) -> DemoResult:
    """Run the whole cycle in ``directory`` (missing or empty), telling the story to ``say``."""
    check_target(directory)
    root = directory.resolve()
    story = Story(say)
    result = DemoResult(root)
    story.say(
        "graft demo: fork vial into an app, patch an extension, serve requests, "
        "then merge a new upstream release into the changed fork.",
        "title",
    )

    story.step(f"Create a demo app: a git repository in {directory}")
    root.mkdir(parents=True, exist_ok=True)
    repo = create_app(root)
    story.ok("app.py, templates/, pyproject.toml of the acme demo app, committed")
    story.note("app.py imports acme_web, a framework that does not exist yet")

    story.step(f"Fork the bundled vial into the app as {FORK_NAME}   (graft fork vial {FORK_NAME})")
    forked = fork(None, FORK_NAME, cwd=root)
    result.fork_commit = forked.commit or ""
    story.ok(
        f"{forked.upstream} copied to {forked.path}/: {len(forked.files)} files, "
        f"{forked.rewritten} rewritten ({', '.join(forked.maps)})"
    )
    story.ok(
        f"recorded in pyproject.toml [tool.graft.packages.{FORK_NAME}]; "
        f"commit {result.fork_commit[:10]} (pristine snapshot {(forked.snapshot or '')[:10]})"
    )
    if forked.findings:
        kinds: dict[str, int] = {}
        for finding in forked.findings:
            kind = str(getattr(finding, "kind", "other"))
            kinds[kind] = kinds.get(kind, 0) + 1
        counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        story.note(
            f"findings for a human to check: {counted} (`graft fork` lists them); "
            "vial computes its dynamic module names from __name__ or your app's names"
        )

    story.step(f"Patch a Flask extension to {FORK_NAME}   (graft patch {SCRATCH}/flask-greeting)")
    patched = patch(os.fspath(root / SCRATCH / EXTENSION_FIXTURE.name), cwd=root)
    result.patch_commit = patched.vendored.commit or ""
    story.ok(
        f"{patched.vendored.upstream} vendored to {patched.vendored.path}/: "
        f"{patched.vendored.rewritten} files now import {patched.target} instead of flask"
    )
    for finding in patched.human:
        text = finding.format() if hasattr(finding, "format") else str(finding)
        result.findings.append(text)
        story.note(f"for a human: {text}")
    done = do_by_hand(root)
    _commit(repo, "acme: use flask_greeting; answer what graft patch reported")
    for line in done:
        story.ok(f"by hand, committed: {line}")

    story.step("Serve requests through the forked app   (vial and flask made unimportable)")
    result.first = serve(root, ["/", "/hello/graft", "/greet/newcomer"])
    _show_served(story, result.first)

    story.step(f"Change the fork locally   (edit {FORK_NAME}/__init__.py, commit)")
    change_fork(root)
    _commit(repo, f"{FORK_NAME}: a local change to the fork")
    story.ok(f"{FORK_NAME}/__init__.py gains {LOCAL_MARK}")

    release, old, new = release_upstream(root)
    story.step(f"Upstream releases vial {new}   (simulated in {SCRATCH}/{release.name}/)")
    story.ok(f"vial {old} -> {new}: __init__.py (version bump), new module health.py")

    story.step(f"Sync the fork   (graft sync {FORK_NAME} --source {SCRATCH}/{release.name})")
    report = sync(FORK_NAME, cwd=root, source=f"{SCRATCH}/{release.name}")
    result.sync_status = report.status
    last = report.steps[-1] if report.steps else None
    if report.status != "merged" or last is None:
        raise ToolError(f"the demo sync ended as {report.status!r}, not a clean merge.")
    result.merge_commit = last.commit or ""
    for change in last.upstream_changes:
        verb = {"A": "added", "D": "deleted", "M": "changed", "R": "renamed"}.get(
            change.status, change.status
        )
        story.info(f"upstream {verb}: {change.path}")
    story.ok(
        f"clean three-way merge: commit {result.merge_commit[:10]} "
        f"(base: the vial {old} snapshot; theirs: vial {new} renamed to {FORK_NAME})"
    )

    story.step("Serve again: upstream's new code and your change, together")
    result.second = serve(root, ["/healthz", "/greet/again"])
    _show_served(story, result.second)
    story.ok(
        f"{FORK_NAME}.__version__ == {result.second.version!r}; "
        f"your {LOCAL_MARK.split(' =')[0]} == {result.second.local!r}"
    )

    story.say("")
    story.say("Done. Look around:", "title")
    story.info(f"cd {directory} && git log --oneline --graph --all")
    story.info("graft --help        the commands; docs/tutorial.md walks through each one")
    return result


__all__ = ["DemoResult", "Served", "run_demo"]
