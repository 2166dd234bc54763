"""Running coroutine functions from sync code when asgiref is not installed.

asgiref's ``async_to_sync`` is preferred (the app uses it when importable). This fallback
runs the coroutine in a fresh event loop: in this thread when no loop is running here, else
in a helper thread. Either way the coroutine sees a copy of the caller's context, so
``request`` and ``g`` work inside it.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import typing as t
from functools import wraps


def run_sync(
    func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]],
) -> t.Callable[..., t.Any]:
    """Wrap a coroutine function into a plain function that returns its result."""

    @wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(func(*args, **kwargs))
        # A loop already runs in this thread and cannot be re-entered: use another thread.
        ctx = contextvars.copy_context()
        result: dict[str, t.Any] = {}

        def target() -> None:
            try:
                result["value"] = ctx.run(asyncio.run, func(*args, **kwargs))
            except BaseException as e:  # re-raised in the caller's thread
                result["error"] = e

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if "error" in result:
            raise result["error"]
        return result["value"]

    return wrapper
