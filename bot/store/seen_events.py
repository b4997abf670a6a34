"""Webhook events already handled, so a redelivered event is handled once (LINE's
``webhookEventId``; any channel whose platform redelivers may use it).

Lives here: ``SeenEvents`` over the ``seen_events`` table (migration 3): ``first_time``
records a ``webhookEventId`` and says whether it was new; ``prune`` forgets ids old
enough that LINE will not redeliver them. Touches that table only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.backend import Backend

KEEP = timedelta(days=7)  # LINE redelivers for at most about a day; keep a margin


class SeenEvents:
    def __init__(self, db: Backend, channel: str):
        self.db = db
        self.channel = channel

    async def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; True when it had not been seen before."""
        cur = await self.db.conn.execute(
            "INSERT INTO seen_events (channel, event_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (self.channel, event_id, datetime.now(UTC).isoformat()),
        )
        await self.db.conn.commit()
        return cur.rowcount == 1

    async def seen(self, event_id: str) -> bool:
        async with self.db.conn.execute(
            "SELECT 1 FROM seen_events WHERE channel = ? AND event_id = ?", (self.channel, event_id)
        ) as cur:
            return await cur.fetchone() is not None

    async def prune(self, keep: timedelta = KEEP) -> int:
        cutoff = (datetime.now(UTC) - keep).isoformat()
        cur = await self.db.conn.execute(
            "DELETE FROM seen_events WHERE channel = ? AND seen_at < ?", (self.channel, cutoff)
        )
        await self.db.conn.commit()
        return cur.rowcount
