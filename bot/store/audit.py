"""The audit log of staff actions: who, what, when, on what, and how it ended (``record``),
the latest entries, and a search by member, action and time for the web console."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.backend import Backend


class AuditLog:
    def __init__(self, db: Backend):
        self.db = db

    async def record(self, actor: str, action: str, target: str | None, outcome: str) -> None:
        await self.db.conn.execute(
            "INSERT INTO audit (at, actor, action, target, outcome) VALUES (?, ?, ?, ?, ?)",
            (datetime.now(UTC).isoformat(), actor, action, target, outcome),
        )
        await self.db.conn.commit()

    async def entries(self, limit: int = 100) -> list[dict]:
        async with self.db.conn.execute(
            "SELECT at, actor, action, target, outcome FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [dict(row) for row in await cur.fetchall()]

    async def search(
        self,
        actor: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 200,
    ) -> list[dict]:
        """Entries by member, action (``broadcast`` matches ``broadcast.send`` too) and a UTC
        ISO time range ``[since, until)``, newest first."""
        where, args = ["1 = 1"], []
        if actor:
            where.append("actor = ?")
            args.append(actor)
        if action:
            where.append("(action = ? OR action LIKE ?)")
            args += [action, action.replace("%", "").replace("_", "") + ".%"]
        if since:
            where.append("at >= ?")
            args.append(since)
        if until:
            where.append("at < ?")
            args.append(until)
        async with self.db.conn.execute(
            f"SELECT at, actor, action, target, outcome FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*args, limit),
        ) as cur:
            return [dict(row) for row in await cur.fetchall()]

    async def actions(self) -> list[str]:
        async with self.db.conn.execute("SELECT DISTINCT action FROM audit ORDER BY action") as cur:
            return [r[0] for r in await cur.fetchall()]
