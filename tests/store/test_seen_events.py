"""The record of handled webhook events (migration 3): new once, kept across reopening,
old ids pruned."""

from __future__ import annotations

from bot.store.backend import open_database
from bot.store.seen_events import SeenEvents


async def test_an_event_is_new_once_and_stays_seen_after_reopening(db_target):
    async with open_database(db_target) as db:
        seen = SeenEvents(db, "line")
        assert await seen.first_time("01JEVENT1")
        assert not await seen.first_time("01JEVENT1")
        assert await SeenEvents(db, channel="telegram").first_time("01JEVENT1")  # channels apart
    async with open_database(db_target) as db:
        assert await SeenEvents(db, "line").seen("01JEVENT1")
        assert not await SeenEvents(db, "line").first_time("01JEVENT1")
        assert not await SeenEvents(db, "line").seen("01JEVENT2")


async def test_old_ids_are_pruned(db_target):
    async with open_database(db_target) as db:
        seen = SeenEvents(db, "line")
        await db.conn.execute(
            "INSERT INTO seen_events (channel, event_id, seen_at) VALUES ('line', 'old', '2000-01-01T00:00:00+00:00')"
        )
        await db.conn.commit()
        await seen.first_time("new")
        assert await seen.prune() == 1
        assert not await seen.seen("old") and await seen.seen("new")
