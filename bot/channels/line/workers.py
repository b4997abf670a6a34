"""Handling events in the background, after the webhook has been answered.

Lives here: ``Dispatcher``: a fixed set of worker tasks, each with its own queue.
A resident's events always go to the same worker, so they are handled in the
order LINE sent them, while different residents are handled side by side. The
number of events waiting is bounded: when it is full, ``offer`` refuses (the
webhook then answers 503 and LINE may redeliver later). ``stop`` lets the queued
events finish (up to a timeout) and then cancels the workers. The dispatcher
keeps a reference to every task it starts. Touches nothing but its queues.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable

from bot.channels.line.events import Inbound

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 8
DEFAULT_MAX_PENDING = 10_000


class Dispatcher:
    def __init__(
        self,
        handle: Callable[[Inbound], Awaitable[object]],
        workers: int = DEFAULT_WORKERS,
        max_pending: int = DEFAULT_MAX_PENDING,
    ):
        self._handle = handle
        self._queues: list[asyncio.Queue[Inbound]] = [asyncio.Queue() for _ in range(max(1, workers))]
        self._tasks: list[asyncio.Task] = []
        self.max_pending = max_pending
        self.pending = 0
        self.handled = 0
        self.failed = 0
        self.accepting = False

    @property
    def workers(self) -> int:
        return len(self._queues)

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._work(queue), name=f"line-worker-{n}") for n, queue in enumerate(self._queues)
        ]
        self.accepting = True

    def offer(self, events: list[Inbound]) -> bool:
        """Queue all of ``events`` or none of them (False when stopping or full)."""
        if not self.accepting or self.pending + len(events) > self.max_pending:
            return False
        for event in events:
            self._queues[zlib.crc32(event.user_id.encode("utf-8")) % len(self._queues)].put_nowait(event)
            self.pending += 1
        return True

    async def _work(self, queue: asyncio.Queue[Inbound]) -> None:
        while True:
            event = await queue.get()
            try:
                await self._handle(event)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one bad event must not stop the worker
                self.failed += 1
                log.exception("a LINE event (%s, id %s) could not be handled", event.kind, event.event_id)
            finally:
                self.pending -= 1
                self.handled += 1
                queue.task_done()

    async def idle(self) -> None:
        """Wait until every queued event has been handled."""
        await asyncio.gather(*(queue.join() for queue in self._queues))

    async def stop(self, timeout: float = 10.0) -> int:
        """Refuse new events, let the queued ones finish (up to ``timeout`` seconds), stop
        the workers; how many events were left unhandled."""
        self.accepting = False
        if self._tasks:
            try:
                await asyncio.wait_for(self.idle(), timeout)
            except TimeoutError:
                log.warning("LINE: %d events left unhandled at shutdown", self.pending)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        return self.pending
