"""Running vial's synchronous request path on an asyncio event loop.

Under ASGI each request runs the ordinary WSGI path (``app.wsgi_app`` and any middleware
wrapped around it) in a greenlet of its own, on the server's event loop. Where that path
meets something asynchronous (an ``async def`` view or hook, reading the request body,
sending a chunk) the greenlet hands the awaitable to its task with :meth:`Bridge.await_`
and sleeps until the task has awaited it. No thread is held while a coroutine waits; the
greenlet shares its task's context, so ``request`` and ``g`` are the task's own.

Synchronous views run in a bounded thread pool instead (:meth:`Bridge.call_in_pool`), in
one :class:`contextvars.Context` per request, so a generator that pushed a context while
streaming pops it in the same context on a later chunk.

This module imports neither asyncio nor greenlet until a request needs them: ``import
vial`` stays as light as before for WSGI apps.
"""

from __future__ import annotations

import contextvars
import threading
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    import asyncio
    from concurrent.futures import Executor, Future

_cv_bridge: contextvars.ContextVar[Bridge] = contextvars.ContextVar(__name__ + ".bridge")
"""The bridge of the ASGI request being served in this task (and its greenlet and threads)."""

T = t.TypeVar("T")


class Bridge:
    """One request's link between its greenlet (synchronous code) and its task on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, pool: Executor) -> None:
        self.loop = loop
        self.pool = pool
        self.loop_thread = threading.get_ident()
        self.greenlet: t.Any = None
        """The greenlet running the request's synchronous path, once :meth:`run` started it."""
        self.worker_context: contextvars.Context | None = None
        """The one context every pool call of this request runs in (made on first use)."""
        self._inflight: Future[t.Any] | None = None

    async def run(self, func: t.Callable[..., T], *args: t.Any) -> T:
        """Run ``func(*args)`` in a greenlet, awaiting for it whatever it hands over.

        An exception raised while awaiting (a cancelled task included) is thrown into the
        greenlet, so its ``finally`` blocks and teardown run; whatever escapes the greenlet
        escapes here.
        """
        import greenlet

        parent = greenlet.getcurrent()
        child = _take_worker(parent)
        # The same Context object as the task: the greenlet and the coroutines it hands
        # over alternate strictly, so they may share it, and what one sets the other sees.
        child.gr_context = parent.gr_context
        self.greenlet = child
        _cv_bridge.set(self)
        value = child.switch((func, args))
        while type(value) is not _Finished:
            try:
                result = await value
            except BaseException as exc:
                value = child.throw(exc)
            else:
                value = child.switch(result)
        child.gr_context = None
        self.greenlet = None
        _idle_workers.append(child)
        if value.error is not None:
            raise value.error
        return t.cast(T, value.result)

    def in_greenlet(self) -> bool:
        """Whether the caller is this request's greenlet (so :meth:`await_` may be used)."""
        child = self.greenlet
        if child is None or threading.get_ident() != self.loop_thread:
            return False
        import greenlet

        return greenlet.getcurrent() is child

    def await_(self, awaitable: t.Awaitable[T]) -> T:
        """From the request's greenlet: await ``awaitable`` in the task and return its result."""
        return t.cast(T, self.greenlet.parent.switch(awaitable))

    def call_in_pool(self, func: t.Callable[..., T], *args: t.Any) -> T:
        """From the request's greenlet: run ``func(*args)`` in the pool and wait for it.

        Every call of one request runs in the same worker context, one at a time. If the
        wait is interrupted (the client went away) the call still finishes in its thread,
        and whatever it returns is closed there.
        """
        import asyncio

        context = self.worker_context
        if context is None:
            context = self.worker_context = contextvars.copy_context()
        previous = self._inflight
        if previous is not None and not previous.done():
            # An abandoned call still runs in this context; a context is entered by one
            # thread at a time.
            self.await_(asyncio.wrap_future(previous, loop=self.loop))
        future = self._inflight = self.pool.submit(context.run, func, *args)
        try:
            return t.cast(T, self.await_(asyncio.wrap_future(future, loop=self.loop)))
        except BaseException:
            if not future.cancelled():
                future.add_done_callback(self._close_abandoned)
            raise

    def _close_abandoned(self, future: Future[t.Any]) -> None:
        """Close the result of a pool call nobody waits for any more (in the pool)."""
        if future.cancelled() or future.exception() is not None:
            return
        close = getattr(future.result(), "close", None)
        if close is not None and self.worker_context is not None:
            self._inflight = self.pool.submit(self.worker_context.run, close)

    def run_coroutine(self, coro: t.Coroutine[t.Any, t.Any, T]) -> T:
        """Run ``coro`` to its end on the server's loop from synchronous code of this request.

        In the request's greenlet it is awaited by the task; in a pool thread it is handed
        to the loop and the thread waits. Called on the loop's thread outside the greenlet
        (plain code inside a coroutine) it cannot wait without stopping the loop:
        :class:`RuntimeError`, saying to ``await`` instead.
        """
        if self.in_greenlet():
            return self.await_(coro)
        if threading.get_ident() != self.loop_thread:
            import asyncio

            return asyncio.run_coroutine_threadsafe(coro, self.loop).result()
        coro.close()
        raise RuntimeError(
            "A coroutine function was called through ensure_sync() from synchronous code"
            " running inside a coroutine on the server's event loop, which cannot wait for"
            " it without blocking every other request. 'await' the coroutine function"
            " directly, or make the calling function 'async def'."
        )


class _Finished:
    """What a worker greenlet switches to its parent with when its job is done."""

    __slots__ = ("error", "result")

    def __init__(self, result: t.Any, error: BaseException | None) -> None:
        self.result = result
        self.error = error


_idle_workers: list[t.Any] = []
"""Worker greenlets waiting for a job: starting a new greenlet costs far more than a switch."""


def _take_worker(parent: t.Any) -> t.Any:
    """An idle worker greenlet whose parent is ``parent``, or a new one."""
    while _idle_workers:
        worker = _idle_workers.pop()
        if worker.parent is parent and not worker.dead:
            return worker
    import greenlet

    worker = greenlet.greenlet(_work, parent)
    worker.switch()  # runs up to its first wait for a job
    return worker


def _work() -> None:
    """A worker greenlet's life: take a job from the parent, run it, hand back the outcome."""
    import greenlet

    job = greenlet.getcurrent().parent.switch()
    while True:
        func, args = job
        try:
            outcome = _Finished(func(*args), None)
        except BaseException as exc:
            outcome = _Finished(None, exc)
        del func, args, job
        job = greenlet.getcurrent().parent.switch(outcome)


def current_bridge() -> Bridge | None:
    """The bridge of the ASGI request being served here, or ``None`` (WSGI, CLI, tests)."""
    return _cv_bridge.get(None)


def bridged_async_to_sync(
    func: t.Callable[..., t.Coroutine[t.Any, t.Any, T]],
) -> t.Callable[..., T] | None:
    """A synchronous caller of ``func`` for an ASGI request, else ``None``.

    The coroutine runs on the server's own loop (where the request's connection pools and
    locks live), never on a private one.
    """
    bridge = _cv_bridge.get(None)
    if bridge is None:
        return None

    def call(*args: t.Any, **kwargs: t.Any) -> T:
        return bridge.run_coroutine(func(*args, **kwargs))

    call.__wrapped__ = func  # type: ignore[attr-defined]
    return call


def iterate_async(aiterable: t.AsyncIterable[T]) -> t.Iterator[T]:
    """A synchronous iterator over ``aiterable``: a response body from an async generator.

    Under ASGI each item is awaited on the server's loop. Under a WSGI server the items are
    produced by an event loop of this iterator's own, closed with it.
    """
    bridge = _cv_bridge.get(None)
    iterator = aiterable.__aiter__()
    if bridge is not None:
        return _BridgedAsyncIterator(bridge, iterator)
    return _OwnLoopAsyncIterator(iterator)


class _BridgedAsyncIterator(t.Generic[T]):
    """Items of an async iterator, each awaited on the server's loop."""

    def __init__(self, bridge: Bridge, iterator: t.AsyncIterator[T]) -> None:
        self.bridge = bridge
        self.iterator = iterator

    def __iter__(self) -> _BridgedAsyncIterator[T]:
        return self

    def __next__(self) -> T:
        try:
            return self.bridge.run_coroutine(_anext(self.iterator))
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        aclose = getattr(self.iterator, "aclose", None)
        if aclose is not None:
            self.bridge.run_coroutine(aclose())


class _OwnLoopAsyncIterator(t.Generic[T]):
    """Items of an async iterator, produced by a private event loop (WSGI servers)."""

    def __init__(self, iterator: t.AsyncIterator[T]) -> None:
        import asyncio

        self.iterator = iterator
        self.loop = asyncio.new_event_loop()

    def __iter__(self) -> _OwnLoopAsyncIterator[T]:
        return self

    def __next__(self) -> T:
        if self.loop.is_closed():
            raise StopIteration
        try:
            return self.loop.run_until_complete(_anext(self.iterator))
        except StopAsyncIteration:
            self.close()
            raise StopIteration from None

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            aclose = getattr(self.iterator, "aclose", None)
            if aclose is not None:
                self.loop.run_until_complete(aclose())
        finally:
            self.loop.close()


async def _anext(iterator: t.AsyncIterator[T]) -> T:
    return await iterator.__anext__()
