"""Requests per second of vial against Flask on the same routes, in one process.

Both apps are called directly as WSGI callables with a prebuilt environ (copied per call),
so the numbers measure the framework, not a server. Every route is defined here, the same
on both frameworks, and its response is checked to be byte for byte the same before it is
timed. Two configurations: without ``SECRET_KEY`` (Flask then skips the session; the
harder case for vial) and with it (Flask opens the session on every request, vial only
when a view uses it). Rounds are interleaved (vial and Flask alternate, in alternating
order) so machine noise hits both alike; the report gives the median of the rounds, the
spread of the per-round ratios, and the best round as a second column. Also measures
``import vial`` against ``import flask`` in fresh interpreters.

Run: ``python benchmarks/bench_vial.py [--rounds N] [--seconds S] [--clock cpu|wall]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

from werkzeug.test import EnvironBuilder

TEMPLATE = """\
<table>
{%- for row in rows %}
  <tr class="{{ loop.cycle('odd', 'even') }}">
    <td>{{ loop.index }}</td><td>{{ row.name }}</td><td>{{ row.email }}</td>
    <td>{{ row.note }}</td><td>{{ "%.2f"|format(row.score) }}</td>
  </tr>
{%- endfor %}
</table>
"""
"""An autoescaped page: 20 rows of dicts, alternating row classes, text that needs escaping."""

ROWS = [
    {
        "name": f"User {i}",
        "email": f"user{i}@example.com",
        "note": "likes <b>bold</b> & 'quotes'" if i % 3 == 0 else "plain note",
        "score": i * 1.5,
    }
    for i in range(20)
]

ROUTES = {
    "hello": "/",
    "json": "/user/42",
    "template": "/table",
    "404": "/missing",
    "session": "/session",
}

TARGETS = {"hello": 1.8, "json": 1.6, "404": 1.6, "template": 1.35}
"""Median vial/Flask ratios required without SECRET_KEY (with a key the ratios are higher)."""

IMPORT_TARGET = 0.8


def build_app(module: t.Any, app_class: t.Any, template_folder: str, secret_key: bool) -> t.Any:
    """The same routes on either framework."""
    app = app_class("bench", template_folder=template_folder, static_folder=None)
    if secret_key:
        app.config["SECRET_KEY"] = "bench secret"
    session = module.session

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/user/<int:id>")
    def user(id: int) -> dict[str, t.Any]:
        return {"id": id, "name": "user", "active": True, "roles": ["admin", "staff"]}

    @app.route("/table")
    def table() -> str:
        return module.render_template("table.html", rows=ROWS)  # type: ignore[no-any-return]

    @app.route("/session")
    def sess() -> str:
        session["count"] = session.get("count", 0) + 1
        return str(session["count"])

    return app


def build_bare_werkzeug() -> t.Any:
    """The floor for any framework on Werkzeug: Request, Map.match and Response only."""
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    url_map = Map([Rule("/", endpoint="hello")])

    def app(environ: t.Any, start_response: t.Any) -> t.Any:
        request = Request(environ)
        url_map.bind_to_environ(request.environ).match()
        return Response("Hello, World!", mimetype="text/html")(environ, start_response)

    return app


def _start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
    return None


def _environ(app: t.Any, path: str) -> dict[str, t.Any]:
    environ = EnvironBuilder(path=path).get_environ()
    if path == "/session":
        # Get a real cookie from the app itself, so the request reads and writes it.
        _, headers, _ = call_once(app, dict(environ))
        cookie = next(v for k, v in headers if k.lower() == "set-cookie")
        environ["HTTP_COOKIE"] = cookie.split(";", 1)[0]
    return environ


def call_once(app: t.Any, environ: dict[str, t.Any]) -> tuple[str, list[t.Any], bytes]:
    """Status, headers and body of one request."""
    seen: dict[str, t.Any] = {}

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> None:
        seen.update(status=status, headers=headers)

    app_iter = app(environ, start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return seen["status"], seen["headers"], body


def make_caller(app: t.Any, path: str) -> t.Callable[[], bytes]:
    """A function that sends one request for ``path``."""
    environ = _environ(app, path)

    def call() -> bytes:
        app_iter = app(environ.copy(), _start_response)
        try:
            return b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()

    return call


def check_same_output(vial_app: t.Any, flask_app: t.Any, path: str) -> None:
    """Refuse to time a route whose response differs between the frameworks.

    The session cookie differs by its signature timestamp, so for that route only the
    header names are compared, not the cookie's value.
    """
    results = []
    for app in (vial_app, flask_app):
        status, headers, body = call_once(app, _environ(app, path))
        if path == "/session":
            headers = [(k, v if k.lower() != "set-cookie" else "<cookie>") for k, v in headers]
        results.append((status, sorted(headers), body))
    if results[0] != results[1]:
        raise SystemExit(f"{path}: vial and Flask answer differently:\n{results[0]}\n{results[1]}")


def measure(call: t.Callable[[], bytes], seconds: float, clock: t.Callable[[], float]) -> float:
    """Requests per second of ``clock`` over about ``seconds``.

    Garbage left by the previous measurement (Flask leaves a request/environ reference
    cycle per request) is collected first, so neither framework pays for the other's.
    """
    gc.collect()
    n = 0
    batch = 100
    start = clock()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            call()
        n += batch
        now = clock()
        if now >= deadline:
            return n / (now - start)


def _time_import(module: str, env: dict[str, str]) -> float:
    code = (
        "import time; t = time.perf_counter(); import " + module + "; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return float(out.stdout.strip())


def import_times(runs: int) -> tuple[list[float], list[float]]:
    """Seconds to import vial and flask in fresh interpreters, in interleaved pairs.

    Pairs taken back to back see the same machine load, so their ratio is steadier than a
    ratio of two separately taken medians. Bytecode is cached, as for an installed package
    (pip compiles Flask at install time, so vial gets the same); the first, uncounted pair
    writes the cache.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    vial_times, flask_times = [], []
    for i in range(runs + 1):
        pair = (_time_import("vial", env), _time_import("flask", env))
        if i:
            vial_times.append(pair[0])
            flask_times.append(pair[1])
    return vial_times, flask_times


@dataclasses.dataclass(frozen=True)
class RouteResult:
    """The rounds of one route in one configuration."""

    config: str
    route: str
    vial: tuple[float, ...]
    flask: tuple[float, ...]

    @property
    def ratios(self) -> list[float]:
        return [v / f for v, f in zip(self.vial, self.flask)]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def best_ratio(self) -> float:
        return max(self.vial) / max(self.flask)


def run_rounds(
    rounds: int, seconds: float, clock: t.Callable[[], float]
) -> tuple[list[RouteResult], list[float]]:
    import flask

    import vial

    results: list[RouteResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "table.html"), "w") as f:
            f.write(TEMPLATE)
        callers: dict[tuple[str, str, str], t.Callable[[], bytes]] = {}
        for config, key in (("no key", False), ("key", True)):
            vial_app = build_app(vial, vial.Vial, tmp, key)
            flask_app = build_app(flask, flask.Flask, tmp, key)
            for route, path in ROUTES.items():
                if route == "session" and not key:
                    continue
                check_same_output(vial_app, flask_app, path)
                callers[config, route, "vial"] = make_caller(vial_app, path)
                callers[config, route, "flask"] = make_caller(flask_app, path)
        floor_caller = make_caller(build_bare_werkzeug(), "/")
        for call in [*callers.values(), floor_caller]:  # warm up: compilation, caches
            for _ in range(200):
                call()
        timings: dict[tuple[str, str, str], list[float]] = {key: [] for key in callers}
        floor: list[float] = []
        for i in range(rounds):
            order = ("vial", "flask") if i % 2 == 0 else ("flask", "vial")
            for config, route, _ in list(callers)[::2]:
                for fw in order:
                    rate = measure(callers[config, route, fw], seconds, clock)
                    timings[config, route, fw].append(rate)
            floor.append(measure(floor_caller, seconds, clock))
    for config, route, _ in list(callers)[::2]:
        results.append(
            RouteResult(
                config,
                route,
                tuple(timings[config, route, "vial"]),
                tuple(timings[config, route, "flask"]),
            )
        )
    return results, floor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=0.3, help="per route, per round")
    parser.add_argument("--import-runs", type=int, default=15)
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="time requests by this process's CPU time (default; steadier on a shared"
        " machine) or by the wall clock",
    )
    args = parser.parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    results, floor = run_rounds(args.rounds, args.seconds, clock)

    print(
        f"requests per {args.clock} second: median of {args.rounds} interleaved rounds"
        " (ratio spread: lowest and highest round), best round as a second column"
    )
    print(
        f"{'config':<7} {'route':<9} {'vial':>9} {'Flask':>9} {'median':>7} {'spread':>11}"
        f" {'best':>6} {'target':>7}"
    )
    ok = True
    for r in results:
        ratio = r.median_ratio
        target = TARGETS.get(r.route) if r.config == "no key" else None
        mark = ""
        if target is not None:
            mark = f"{target:>5.2f}x {'ok' if ratio >= target else 'MISS'}"
            ok &= ratio >= target
        spread = f"{min(r.ratios):.2f}-{max(r.ratios):.2f}x"
        print(
            f"{r.config:<7} {r.route:<9} {statistics.median(r.vial):>9,.0f}"
            f" {statistics.median(r.flask):>9,.0f} {ratio:>6.2f}x {spread:>11}"
            f" {r.best_ratio:>5.2f}x {mark}"
        )
    hello_flask = next(r for r in results if r.config == "no key" and r.route == "hello")
    floor_rate = statistics.median(floor)
    print(
        f"(bare Werkzeug hello: {floor_rate:,.0f} req/s, "
        f"{floor_rate / statistics.median(hello_flask.flask):.2f}x Flask without a key;"
        f" vial hello is {statistics.median(hello_flask.vial) / floor_rate:.0%} of that floor)"
    )

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vial_times, flask_times = import_times(args.import_runs)
    ratio = statistics.median(v / f for v, f in zip(vial_times, flask_times))
    mark = "ok" if ratio <= IMPORT_TARGET else "MISS"
    ok &= ratio <= IMPORT_TARGET
    print(
        f"import  vial {statistics.median(vial_times) * 1000:.1f} ms,"
        f" flask {statistics.median(flask_times) * 1000:.1f} ms (medians);"
        f" median pair ratio {ratio:.2f}x (target <= {IMPORT_TARGET:.2f}x) {mark}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
