"""The audit log of staff actions: who, what, when, on what, and how it ended."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.store.database import Database


class AuditLog:
    def __init__(self, db: Database):
        self.db = db

    async def record(self, actor: str, action: str, target: str | None, outcome: str) -> None:
        await self.db.conn.execute(
            "INSERT INTO audit (at, actor, action, target, outcome) VALUES (?, ?, ?, ?, ?)",
            (datetime.now(timezone.utc).isoformat(), actor, action, target, outcome),
        )
        await self.db.conn.commit()

    async def entries(self, limit: int = 100) -> list[dict]:
        async with self.db.conn.execute(
            "SELECT at, actor, action, target, outcome FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [dict(row) for row in await cur.fetchall()]
