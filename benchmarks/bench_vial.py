"""Requests per second of vial against Flask on the same routes, in one process.

Both apps are called directly as WSGI callables with a prebuilt environ (copied per call),
so the numbers measure the framework, not a server. Rounds are interleaved (vial, Flask,
vial, Flask...) so machine noise hits both alike; the best round of each is reported.
Also measures ``import vial`` against ``import flask`` in fresh interpreters.

Run: ``python benchmarks/bench_vial.py [--rounds N] [--seconds S]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

from werkzeug.test import EnvironBuilder

TEMPLATE = """<ul>{% for item in items %}<li>{{ loop.index }}: {{ item }}</li>{% endfor %}</ul>"""
TARGETS = {"hello": 1.8, "json": 1.6, "template": 1.3, "404": 1.6, "session": 1.3}
ROUTES = {
    "hello": "/",
    "json": "/user/42",
    "template": "/template",
    "404": "/missing",
    "session": "/session",
}


def build_app(module: t.Any, app_class: t.Any, template_folder: str) -> t.Any:
    """The same five routes on either framework."""
    app = app_class("bench", template_folder=template_folder, static_folder=None)
    app.config["SECRET_KEY"] = "bench secret"
    session = module.session
    items = [f"item {i}" for i in range(20)]

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/user/<int:id>")
    def user(id: int) -> t.Any:
        return module.jsonify(id=id, name="user")

    @app.route("/template")
    def template() -> str:
        return module.render_template("loop.html", items=items)

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


def make_caller(app: t.Any, path: str) -> t.Callable[[], bytes]:
    """A function that sends one request for ``path`` (with a session cookie for /session)."""
    environ = EnvironBuilder(path=path).get_environ()
    if path == "/session":
        # Get a real cookie from the app itself, so the request reads and writes it.
        env = dict(environ)
        captured: dict[str, t.Any] = {}

        def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> None:
            captured["headers"] = headers

        b"".join(app(env, start_response))
        cookie = next(v for k, v in captured["headers"] if k.lower() == "set-cookie")
        environ["HTTP_COOKIE"] = cookie.split(";", 1)[0]

    def call() -> bytes:
        app_iter = app(environ.copy(), _start_response)
        try:
            return b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()

    return call


def measure(call: t.Callable[[], bytes], seconds: float) -> float:
    """Requests per CPU second over about ``seconds`` of this process's CPU time.

    CPU time, not wall time: on a shared machine the process is descheduled at random, and
    wall-clock rates then measure the neighbours as much as the framework.
    """
    n = 0
    batch = 200
    clock = time.process_time
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.4, help="per route, per round")
    parser.add_argument("--import-runs", type=int, default=15)
    args = parser.parse_args(argv)

    import warnings

    import flask

    import vial

    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "loop.html"), "w") as f:
            f.write(TEMPLATE)
        apps = {
            "vial": build_app(vial, vial.Vial, tmp),
            "flask": build_app(flask, flask.Flask, tmp),
        }
        callers = {
            (fw, route): make_caller(app, path)
            for fw, app in apps.items()
            for route, path in ROUTES.items()
        }
        callers["werkzeug", "hello"] = make_caller(build_bare_werkzeug(), "/")
        for call in callers.values():  # warm up: template compilation, caches
            for _ in range(50):
                call()
        best: dict[tuple[str, str], float] = {key: 0.0 for key in callers}
        for _ in range(args.rounds):
            for route in ROUTES:
                for fw in ("vial", "flask", "werkzeug"):
                    if (fw, route) in callers:
                        rps = measure(callers[fw, route], args.seconds)
                        best[fw, route] = max(best[fw, route], rps)

    print("requests per CPU second, best of the interleaved rounds")
    print(f"{'route':<10} {'vial req/s':>11} {'Flask req/s':>12} {'ratio':>6} {'target':>7}")
    ok = True
    for route in ROUTES:
        v, f_ = best["vial", route], best["flask", route]
        ratio = v / f_
        target = TARGETS[route]
        mark = "ok" if ratio >= target else "MISS"
        ok &= ratio >= target
        print(f"{route:<10} {v:>11,.0f} {f_:>12,.0f} {ratio:>5.2f}x {target:>5.1f}x {mark}")

    floor = best["werkzeug", "hello"]
    print(
        f"(bare Werkzeug hello: {floor:,.0f} req/s = {floor / best['flask', 'hello']:.2f}x Flask;"
        f" vial hello is {best['vial', 'hello'] / floor:.0%} of that floor)"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vial_times, flask_times = import_times(args.import_runs)
    ratio = statistics.median(v / f for v, f in zip(vial_times, flask_times))
    mark = "ok" if ratio <= 0.8 else "MISS"
    ok &= ratio <= 0.8
    print(
        f"import     vial {statistics.median(vial_times) * 1000:.1f} ms,"
        f" flask {statistics.median(flask_times) * 1000:.1f} ms (medians);"
        f" median pair ratio {ratio:.2f}x (target <= 0.80x) {mark}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
