"""Web console sessions in the database: who is logged in, since when, last seen when.

Lives here: ``WebSessions``. A session is stored under the SHA-256 of its cookie token
(the token itself is never stored, nor given to SQL, whose debug log shows parameters),
with the member and when it was last used; a session unused for ``idle`` seconds is gone.
Only SQL here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.store.backend import Backend

TOUCH_EVERY = 30.0  # seconds: last_seen is written at most this often


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class WebSession:
    member: str
    last_seen: float


class WebSessions:
    def __init__(self, db: Backend, idle: float):
        self.db = db
        self.idle = idle

    async def create(self, token: str, member: str, now: float) -> None:
        await self.db.conn.execute(
            "INSERT INTO web_sessions (token_hash, member, created_at, last_seen) VALUES (?, ?, ?, ?)",
            (_key(token), member, now, now),
        )
        await self.db.conn.execute("DELETE FROM web_sessions WHERE last_seen < ?", (now - self.idle,))
        await self.db.conn.commit()

    async def get(self, token: str, now: float) -> WebSession | None:
        """The live session of ``token`` (touched), or None when unknown or idle too long."""
        key = _key(token)
        async with self.db.conn.execute(
            "SELECT member, last_seen FROM web_sessions WHERE token_hash = ?", (key,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        if now - row[1] > self.idle:
            await self.end(token)
            return None
        if now - row[1] > TOUCH_EVERY:
            await self.db.conn.execute("UPDATE web_sessions SET last_seen = ? WHERE token_hash = ?", (now, key))
            await self.db.conn.commit()
        return WebSession(row[0], now)

    async def end(self, token: str) -> None:
        await self.db.conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (_key(token),))
        await self.db.conn.commit()
