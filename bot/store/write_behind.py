"""Writes gathered in memory and made a moment later, many in one transaction.

Lives here: ``WriteBehind``. A store puts what it has to write into ``pending`` (a dict,
so a later write of the same key replaces or merges with the earlier one) and calls
``soon()``; within ``delay`` seconds its ``write`` coroutine gets everything pending at
once. So a resident's turn never waits for the database thread, which under load is
slow to hand back a result. Flushes never overlap (a lock), closing the database
flushes first and waits for a flush in flight, and a failed write keeps its entries
for the next flush. A flush returns only when everything handed in before it is
committed, also when a flush already in flight had taken it. Touches the database
only through the store's ``write``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.store.backend import Backend

log = logging.getLogger(__name__)

DELAY = 0.05

Write = Callable[[dict], Awaitable[None]]
Merge = Callable[[dict, Any, Any], None]


def keep_newer(pending: dict, key: Any, older: Any) -> None:
    """A failed entry goes back unless a newer one for the same key has come since."""
    pending.setdefault(key, older)


class WriteBehind:
    def __init__(self, db: Backend, write: Write, what: str, delay: float = DELAY, merge_back: Merge = keep_newer):
        """``write`` gets the pending entries and writes (and commits) them; ``what`` names
        them in the log; ``merge_back`` returns the entries of a failed write to ``pending``."""
        self.db = db
        self.pending: dict = {}
        self._write = write
        self._what = what
        self._merge_back = merge_back
        self.delay = delay
        self.lock = asyncio.Lock()  # one flush at a time; a store may hold it to order its own writes
        self.timer: asyncio.Task | None = None  # the delayed flush, while one is due
        db.before_close.append(self._before_close)

    def soon(self) -> None:
        """Make sure a flush comes within ``delay`` seconds."""
        if self.timer is None or self.timer.done():
            self.timer = asyncio.get_running_loop().create_task(self._flush_later())

    async def flush(self) -> None:
        """Write every pending entry now; returns when they are written (or failed), and so
        is any flush that was writing when this one was called."""
        async with self.lock:
            if not self.pending or not self.db.is_open:
                return
            batch, self.pending = self.pending, {}
            try:
                await self._write(batch)
            except BaseException:
                for key, value in batch.items():
                    self._merge_back(self.pending, key, value)
                raise

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.delay)
        try:
            await self.flush()
        except Exception:
            log.exception("could not save %s; will retry", self._what)

    async def _before_close(self) -> None:
        """Everything pending reaches the database (after a write in flight); a delayed
        flush still asleep is then not needed."""
        await self.flush()
        timer = self.timer
        if timer is not None and not timer.done() and timer is not asyncio.current_task():
            timer.cancel()
