"""What has to happen later, done when its time comes: scheduled broadcasts, broadcasts a
crashed process left half-sent, and class reminders.

Lives here: ``Scheduler`` with ``tick`` (one pass: start every scheduled broadcast that
is due, resume every broadcast left ``sending`` whose process is gone, send every due
reminder) and ``run`` (a tick every ``interval`` seconds until ``stop``, in the one process
that leads: on PostgreSQL several processes share the database and one schedules). Everything it
works from is in the database, so a restart loses nothing: the next tick picks it up.
A running bot starts it next to its channel (``asyncio.create_task(scheduler.run(stop))``);
``madoguchi broadcast --due`` runs one tick (from cron). Each broadcast it sends is
audited as ``system:scheduler`` (the staff member who scheduled it was checked then).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.broadcast.engine import BroadcastBusy, BroadcastEngine, Report
from bot.broadcast.reminders import ReminderDispatcher
from bot.broadcast.sender import Sender
from bot.clock import SystemClock
from bot.data.knowledge import Knowledge
from bot.store.bundle import Stores

log = logging.getLogger(__name__)

ACTOR = "system:scheduler"
INTERVAL = 30.0
FOLLOW = 2.0  # seconds between a follower's asks to lead
ROLE = "scheduler"


@dataclass
class Tick:
    reports: list[Report] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)
    reminders: dict[str, int] = field(default_factory=dict)


class Scheduler:
    def __init__(
        self,
        stores: Stores,
        senders: Mapping[str, Sender],
        engine: BroadcastEngine | None = None,
        clock: Callable[[], datetime] | None = None,
        scope: Callable[[str], bool] | None = None,
        resume_orphans: bool = True,
        knowledge: Knowledge | None = None,
    ):
        self.clock = clock or SystemClock()
        self.engine = engine or BroadcastEngine(stores, senders)
        self.reminders = ReminderDispatcher(
            stores, senders, clock=self.clock, limiter_for=self.engine.limiter, knowledge=knowledge
        )
        self.store = stores.broadcasts
        self.db = stores.db
        self.audit = stores.audit
        self.scope = scope or (lambda municipality: True)
        self.resume_orphans = resume_orphans

    async def tick(self, stop: asyncio.Event | None = None) -> Tick:
        out = Tick()
        rows = await self.store.due(self.clock())
        if self.resume_orphans:
            rows += await self.store.unfinished()
        for row in rows:
            if not self.scope(row.municipality) or (stop and stop.is_set()):
                continue
            try:
                report = await self.engine.run(row.id, stop=stop)
            except BroadcastBusy:
                out.busy.append(row.id)
                continue
            except Exception as exc:  # noqa: BLE001 - one broadcast's trouble must not stop the others
                log.exception("scheduled broadcast %s failed", row.id)
                await self.audit.record(ACTOR, "broadcast.send", f"#{row.id} {row.municipality}", f"error: {exc}"[:300])
                continue
            out.reports.append(report)
            await self.audit.record(
                ACTOR,
                "broadcast.send",
                f"#{row.id} {row.municipality}",
                ("done: " if report.finished else "stopped: ") + report.outcome,
            )
        out.reminders = await self.reminders.run_due()
        return out

    async def run(self, stop: asyncio.Event, interval: float = INTERVAL, follow: float = FOLLOW) -> None:
        """Tick until ``stop`` is set, while this process leads (``Backend.lead``: one scheduler
        per database); a follower asks again every ``follow`` seconds, so it takes over soon
        after the leader dies. A failing tick is logged and the next one comes."""
        while not stop.is_set():
            wait = follow
            try:
                if await self.db.lead(ROLE):
                    wait = interval
                    await self.tick(stop)
            except Exception:  # noqa: BLE001
                log.exception("scheduler tick failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass
