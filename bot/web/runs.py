"""Broadcasts the web console is delivering in this process: start, pause, stop all.

Lives here: ``BroadcastRuns``. Each run is ``BroadcastService.send`` (checked, audited,
through the one ``BroadcastEngine`` of this process, so every broadcast shares each
channel's rate limiter) in a task of its own with its own stop event: pausing sets the
event, and the engine leaves the broadcast ``paused`` with nothing lost; resuming starts a
new run. Progress is read from the database (``BroadcastStore.counts``), so a page shows
the same numbers whichever process is sending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.sender import Sender
from bot.broadcast.service import BroadcastService

log = logging.getLogger(__name__)


class BroadcastRuns:
    def __init__(self, service: BroadcastService, senders: Mapping[str, Sender]):
        self.service = service
        self.engine = BroadcastEngine(service.stores, senders)
        self._runs: dict[int, tuple[asyncio.Task, asyncio.Event]] = {}

    def running(self, broadcast_id: int) -> bool:
        return broadcast_id in self._runs

    def start(self, actor: str, broadcast_id: int) -> bool:
        """Start (or resume) delivering; False when it is already running here."""
        if broadcast_id in self._runs:
            return False
        stop = asyncio.Event()
        task = asyncio.get_running_loop().create_task(self._run(actor, broadcast_id, stop))
        self._runs[broadcast_id] = (task, stop)
        return True

    async def _run(self, actor: str, broadcast_id: int, stop: asyncio.Event) -> None:
        try:
            await self.service.send(actor, broadcast_id, self.engine, stop=stop)
        except Exception:
            log.warning("broadcast %s stopped with an error", broadcast_id, exc_info=True)
        finally:
            self._runs.pop(broadcast_id, None)

    async def pause(self, broadcast_id: int) -> bool:
        """Stop a running broadcast cleanly (it is left ``paused``); False when not running here."""
        run = self._runs.get(broadcast_id)
        if run is None:
            return False
        task, stop = run
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
        return True

    async def stop_all(self) -> list[int]:
        """Pause every running broadcast at once; their ids."""
        ids = list(self._runs)
        for _, stop in self._runs.values():
            stop.set()
        await asyncio.gather(*(task for task, _ in list(self._runs.values())), return_exceptions=True)
        return ids
