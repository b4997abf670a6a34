"""The suite's one virtual clock: monotonic time that moves only through the sleeps asked for.

Lives here: ``VirtualTime`` — a clock (call it for the time) and a ``sleep`` that move
virtual time instead of waiting. It moves only through the sleeps the code under test asks
for, and only when nothing else can run: no callback ready on the event loop and no work in
flight in a thread — an aiosqlite call (the database runs in its own thread) or a
``run_in_executor`` / ``asyncio.to_thread`` job. To see the database calls, the first
``VirtualTime`` on an event loop wraps ``aiosqlite.Connection._execute`` (once per process;
it only counts calls on loops that have a ``VirtualTime``) and that loop's
``run_in_executor``. Concurrent sleepers overlap as in real time. Used by the Telegram
harness (pacing, flood control, retries), the broadcast engine and the rate limiter tests;
wall-clock dates are ``bot.clock.FixedClock`` (the ``clock`` fixture).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import weakref


class _ThreadWork:
    """Work handed to other threads and not yet back on one event loop."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def start(self) -> None:
        self.count += 1
        self.idle.clear()

    def end(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.idle.set()


_THREAD_WORK: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _ThreadWork] = weakref.WeakKeyDictionary()
_AIOSQLITE_WRAPPED = False


def _wrap_aiosqlite() -> None:
    """Count every aiosqlite call (they all go through ``Connection._execute``) on the loops
    that have a ``VirtualTime``, from the moment it is queued until its caller has its result."""
    global _AIOSQLITE_WRAPPED
    if _AIOSQLITE_WRAPPED:
        return
    try:
        from aiosqlite.core import Connection
    except ImportError:  # no database in this process
        return
    execute = Connection._execute

    async def _execute(self, fn, *args, **kwargs):
        work = _THREAD_WORK.get(asyncio.get_running_loop())
        if work is None:
            return await execute(self, fn, *args, **kwargs)
        work.start()
        try:
            return await execute(self, fn, *args, **kwargs)
        finally:
            work.end()

    Connection._execute = _execute
    _AIOSQLITE_WRAPPED = True


def _thread_work(loop: asyncio.AbstractEventLoop) -> _ThreadWork:
    """The thread work of ``loop``, counted from now on."""
    work = _THREAD_WORK.get(loop)
    if work is None:
        work = _THREAD_WORK[loop] = _ThreadWork()
        _wrap_aiosqlite()
        run_in_executor = loop.run_in_executor

        def counted(executor, func, *args):
            future = run_in_executor(executor, func, *args)
            work.start()
            future.add_done_callback(lambda _: work.end())
            return future

        loop.run_in_executor = counted  # type: ignore[method-assign]
    return work


class VirtualTime:
    """A monotonic clock that moves only through the sleeps the code under test asks for.

    ``sleep(d)`` registers a wake-up at ``now + d``. The clock jumps to the earliest wake-up
    (and wakes every sleeper due by then) only when nothing else can run: no callback is
    ready on the event loop for ``IDLE_ROUNDS`` rounds in a row and no database call or
    executor job is in flight in a thread (a task waiting for one is busy, not idle, however
    long the thread takes under load). Concurrent sleepers therefore overlap as in real time,
    without waiting, and the same code meets the same virtual times on every run. Real
    sockets (``FakeBotAPIServer``) are not counted: only idle rounds guard those."""

    IDLE_ROUNDS = 3

    def __init__(self, now: float = 1000.0):
        self.now = now
        self.slept: list[float] = []
        self._waiters: list = []
        self._seq = itertools.count()
        self._advancer: asyncio.Task | None = None
        try:
            _thread_work(asyncio.get_running_loop())  # count database calls from the start
        except RuntimeError:  # made outside a running loop: from the first sleep on
            pass

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        heapq.heappush(self._waiters, (self.now + seconds, next(self._seq), future))
        if self._advancer is None or self._advancer.done():
            self._advancer = loop.create_task(self._advance())
        await future

    async def _advance(self) -> None:
        loop = asyncio.get_running_loop()
        work = _thread_work(loop)
        while self._waiters:
            await self._until_idle(loop, work)
            wake = self._waiters[0][0]
            self.now = max(self.now, wake)
            while self._waiters and self._waiters[0][0] <= self.now:
                _, _, future = heapq.heappop(self._waiters)
                if not future.done():
                    future.set_result(None)

    async def _until_idle(self, loop: asyncio.AbstractEventLoop, work: _ThreadWork) -> None:
        idle = 0
        while idle < self.IDLE_ROUNDS:
            if work.count:
                await work.idle.wait()  # a thread's answer is still to come: not idle
                idle = 0
                continue
            await asyncio.sleep(0)
            # Handles left in the ready queue when this task runs: someone else can still run.
            idle = 0 if getattr(loop, "_ready", None) or work.count else idle + 1

    def advance(self, seconds: float) -> None:
        self.now += seconds
