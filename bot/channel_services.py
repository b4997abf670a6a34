"""What the core offers a channel besides the engine, so that no channel touches the store.

Lives here: ``ChannelServices`` for one channel (the prefix of its residents' keys):
``first_time`` (a platform's event id recorded; False for a redelivery, handled once),
``forget_old_events``, ``database_ok`` (the health check's ping) and ``stats`` (staff
counts of the channel's conversations, blocked residents and subscriptions). Touches the
database only through ``bot.store``.
"""

from __future__ import annotations

from bot.store.database import Database
from bot.store.health import ping
from bot.store.seen_events import SeenEvents
from bot.store.stats import ChannelStats


class ChannelServices:
    def __init__(self, db: Database, channel: str):
        self.db = db
        self.channel = channel
        self.seen = SeenEvents(db, channel)
        self.stats = ChannelStats(db, channel)

    async def first_time(self, event_id: str) -> bool:
        return await self.seen.first_time(event_id)

    async def forget_old_events(self) -> int:
        return await self.seen.prune()

    async def database_ok(self) -> bool:
        return await ping(self.db)
