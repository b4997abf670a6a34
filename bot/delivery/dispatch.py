"""Handling a webhook's events in the background, after the webhook has been answered
(LINE must be answered within 2 s; any webhook channel may use it).

Lives here: ``Dispatcher``: every event becomes a task that waits for the resident's turn
(``bot.delivery.ordering.KeyedLocks`` on ``event.user_id``: a resident's events are handled
in the order the platform sent them, different residents side by side) and then for one of ``workers`` slots. The
number of events waiting is bounded: when it is full, ``offer`` refuses (the webhook then
answers 503 and the platform may redeliver later). ``stop`` lets the queued events finish (up to a
timeout) and then cancels the rest. Touches nothing but its tasks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.delivery.ordering import KeyedLocks

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 8
DEFAULT_MAX_PENDING = 10_000


class Dispatcher:
    def __init__(
        self,
        handle: Callable[[Any], Awaitable[object]],
        workers: int = DEFAULT_WORKERS,
        max_pending: int = DEFAULT_MAX_PENDING,
        name: str = "event",
    ):
        self._handle = handle
        self.name = name  # each event's task is named ``<name>-event``
        self.workers = max(1, workers)
        self._slots = asyncio.Semaphore(self.workers)
        self._order = KeyedLocks()
        self._tasks: set[asyncio.Task] = set()
        self.max_pending = max_pending
        self.handled = 0
        self.failed = 0
        self.accepting = False

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def stats(self) -> dict[str, object]:
        """What a health endpoint reports of it: accepting, queued, handled, failed, workers."""
        return {
            "accepting": self.accepting,
            "queued": self.pending,
            "handled": self.handled,
            "failed": self.failed,
            "workers": self.workers,
        }

    def start(self) -> None:
        self.accepting = True

    def offer(self, events: list[Any]) -> bool:
        """Queue all of ``events`` or none of them (False when stopping or full)."""
        if not self.accepting or self.pending + len(events) > self.max_pending:
            return False
        for event in events:
            task = asyncio.create_task(self._work(event), name=f"{self.name}-event")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    async def _work(self, event: Any) -> None:
        async with self._order(event.user_id), self._slots:
            try:
                await self._handle(event)
            except Exception:  # noqa: BLE001 - one bad event must not stop the others
                self.failed += 1
                log.exception("an event (id %s) could not be handled", getattr(event, "event_id", None))
            finally:
                self.handled += 1

    async def idle(self) -> None:
        """Wait until every queued event has been handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self, timeout: float = 10.0) -> int:
        """Refuse new events, let the queued ones finish (up to ``timeout`` seconds), cancel
        the rest; how many events were left unhandled."""
        self.accepting = False
        try:
            await asyncio.wait_for(self.idle(), timeout)
        except TimeoutError:
            log.warning("%s: %d events left unhandled at shutdown", self.name, self.pending)
        left = self.pending
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        return left
