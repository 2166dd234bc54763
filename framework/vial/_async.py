"""Running coroutine functions (async views, hooks, handlers) from the WSGI request path.

The app prefers asgiref's ``async_to_sync``, which keeps context variables in step; without
asgiref, :func:`run_sync` runs the coroutine in a fresh event loop. Two places cannot do
either safely, and are handled here:

- A thread that already runs an event loop: running the coroutine would mean blocking that
  loop (every other task on it) until the view returns. The call is refused, as Flask (via
  asgiref) refuses it; under an ASGI server vial runs async views on the server's loop
  instead, without coming here.
- A gevent worker (``gunicorn -k gevent``): monkeypatching turns asgiref's helper threads
  into greenlets, so concurrent requests' loops would share one OS thread and all but one
  fail. There each coroutine runs in a fresh loop on one of gevent's native pool threads,
  while the request's greenlet waits cooperatively.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import typing as t
from functools import wraps

_CoroutineFunction = t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]


def refuse_in_running_loop(func: _CoroutineFunction) -> None:
    """Raise ``RuntimeError`` if this thread runs an event loop (see the module docstring)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    name = getattr(func, "__qualname__", repr(func))
    raise RuntimeError(
        f"Cannot call the async function {name!r} synchronously here: this thread is"
        " already running an asyncio event loop, which would be blocked until it returns."
        " Await it from async code instead, or serve the app with an ASGI server, where"
        " async views run on the server's loop."
    )


def run_sync(func: _CoroutineFunction) -> t.Callable[..., t.Any]:
    """Wrap a coroutine function into a plain function that returns its result.

    The coroutine runs in a new event loop in this thread and sees a copy of the caller's
    context, so ``request`` and ``g`` work inside it.
    """

    @wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        refuse_in_running_loop(func)
        return asyncio.run(func(*args, **kwargs))

    return wrapper


def refusing_in_running_loop(
    runner: t.Callable[..., t.Any], func: _CoroutineFunction
) -> t.Callable[..., t.Any]:
    """``runner`` (asgiref's wrapper of ``func``), refusing a thread that runs a loop first."""

    @wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        refuse_in_running_loop(func)
        return runner(*args, **kwargs)

    return wrapper


def in_gevent_worker() -> bool:
    """Whether gevent has monkeypatched ``threading`` in this process."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def run_in_native_thread(func: _CoroutineFunction) -> t.Callable[..., t.Any]:
    """Like :func:`run_sync`, on one of gevent's native pool threads (gevent workers only).

    The pool has ``GEVENT_THREADPOOL_SIZE`` threads (gevent's default: 10); that many async
    calls run at once, and the calling greenlet yields to the others while it waits.
    """

    @wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        hub = sys.modules["gevent"].get_hub()  # imported: in_gevent_worker() said so
        context = contextvars.copy_context()
        coroutine = func(*args, **kwargs)
        return hub.threadpool.apply(context.run, (asyncio.run, coroutine))

    return wrapper
