"""Residents as recipients: class-news subscriptions per municipality, the blocked
flag channels set when a resident blocks or unfollows the bot, and forgetting
everything stored about a resident. Blocked residents are never recipients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store.backend import Backend


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Subscription:
    user_key: str
    municipality: str
    level: str | None = None
    topic: str | None = None


class ResidentStore:
    def __init__(self, db: Backend):
        self.db = db

    async def subscribe(
        self, user_key: str, municipality: str, level: str | None = None, topic: str | None = None
    ) -> bool:
        """Subscribe (or update the filter); True when it is new."""
        conn = self.db.conn
        async with conn.execute(
            "SELECT 1 FROM subscriptions WHERE user_key = ? AND municipality = ?", (user_key, municipality)
        ) as cur:
            existed = await cur.fetchone() is not None
        await conn.execute(
            "INSERT INTO subscriptions (user_key, municipality, level, topic, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (user_key, municipality) DO UPDATE SET level = excluded.level, topic = excluded.topic",
            (user_key, municipality, level, topic, _now()),
        )
        await self.set_blocked(user_key, False, commit=False)
        await conn.commit()
        return not existed

    async def unsubscribe(self, user_key: str, municipality: str | None = None) -> int:
        """Remove one subscription, or all of them; how many went."""
        if municipality is None:
            cur = await self.db.conn.execute("DELETE FROM subscriptions WHERE user_key = ?", (user_key,))
        else:
            cur = await self.db.conn.execute(
                "DELETE FROM subscriptions WHERE user_key = ? AND municipality = ?", (user_key, municipality)
            )
        await self.db.conn.commit()
        return cur.rowcount

    async def subscriptions(self, user_key: str) -> list[Subscription]:
        async with self.db.conn.execute(
            "SELECT user_key, municipality, level, topic FROM subscriptions WHERE user_key = ? ORDER BY created_at",
            (user_key,),
        ) as cur:
            return [Subscription(*row) for row in await cur.fetchall()]

    async def recipients(self, municipality: str, channel: str | None = None) -> list[Subscription]:
        """Subscribers of a municipality who have not blocked the bot (optionally of one channel)."""
        sql = (
            "SELECT s.user_key, s.municipality, s.level, s.topic FROM subscriptions s "
            "LEFT JOIN residents r ON r.user_key = s.user_key "
            "WHERE s.municipality = ? AND COALESCE(r.blocked, 0) = 0"
        )
        args: list = [municipality]
        if channel:
            sql += " AND s.user_key LIKE ?"
            args.append(channel + ":%")
        async with self.db.conn.execute(sql + " ORDER BY s.user_key", args) as cur:
            return [Subscription(*row) for row in await cur.fetchall()]

    async def set_blocked(self, user_key: str, blocked: bool, commit: bool = True) -> None:
        now = _now()
        await self.db.conn.execute(
            "INSERT INTO residents (user_key, blocked, blocked_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_key) DO UPDATE SET blocked = excluded.blocked, blocked_at = excluded.blocked_at, "
            "updated_at = excluded.updated_at",
            (user_key, int(blocked), now if blocked else None, now),
        )
        if commit:
            await self.db.conn.commit()

    async def is_blocked(self, user_key: str) -> bool:
        async with self.db.conn.execute("SELECT blocked FROM residents WHERE user_key = ?", (user_key,)) as cur:
            row = await cur.fetchone()
        return bool(row and row[0])

    async def forget(self, user_key: str) -> None:
        """Delete every row about the resident (conversation, subscriptions, flags)."""
        for table in ("conversations", "subscriptions", "residents"):
            await self.db.conn.execute(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
        await self.db.conn.commit()
