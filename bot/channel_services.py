"""What the core offers a channel besides the engine, so that no channel touches the store.

Lives here: ``ChannelServices`` for one channel (the prefix of its residents' keys):
``first_time`` (a platform's event id recorded; False for a redelivery, handled once),
``forget_old_events`` (logs how many it forgot), ``database_ok`` (the health check's ping)
and ``stats`` (staff counts of the channel's conversations, blocked residents and
subscriptions). Touches the database only through ``bot.store``.
"""

from __future__ import annotations

import logging

from bot.store.backend import Backend, database_errors
from bot.store.health import ping
from bot.store.seen_events import SeenEvents
from bot.store.stats import ChannelStats

log = logging.getLogger(__name__)


class ChannelServices:
    def __init__(self, db: Backend, channel: str):
        self.db = db
        self.channel = channel
        self.seen = SeenEvents(db, channel)
        self.stats = ChannelStats(db, channel)

    async def first_time(self, event_id: str) -> bool:
        """Whether the event is new (recorded now). One that cannot be recorded counts as new:
        better answered twice than not at all."""
        try:
            return await self.seen.first_time(event_id)
        except database_errors():
            log.warning("%s event %s could not be recorded: handling it anyway", self.channel, event_id, exc_info=True)
            return True

    async def forget_old_events(self) -> int:
        """Forget the event ids kept longer than a redelivery can come; how many were forgotten."""
        pruned = await self.seen.prune()
        if pruned:
            log.info("%s: forgot %d old webhook event ids", self.channel, pruned)
        return pruned

    async def database_ok(self) -> bool:
        return await ping(self.db)
