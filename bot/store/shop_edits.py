"""The shop listing's edit history: who changed it, when, what changed, and the text
before and after, so that any edit can be looked at and reverted.

Lives here: ``ShopEdits`` and ``ShopEdit``. Written by the web console after a save has
passed validation and replaced the file. Only SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store.backend import Backend


@dataclass(frozen=True)
class ShopEdit:
    id: int
    at: str
    actor: str
    summary: str
    before: str
    after: str
    reverts: int | None


class ShopEdits:
    def __init__(self, db: Backend):
        self.db = db

    async def add(self, actor: str, summary: str, before: str, after: str, reverts: int | None = None) -> int:
        ((new_id,),) = await self.db.conn.execute_fetchall(
            "INSERT INTO shop_edits (at, actor, summary, before, after, reverts) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (datetime.now(UTC).isoformat(timespec="seconds"), actor, summary, before, after, reverts),
        )
        await self.db.conn.commit()
        return new_id

    async def get(self, edit_id: int) -> ShopEdit | None:
        async with self.db.conn.execute("SELECT * FROM shop_edits WHERE id = ?", (edit_id,)) as cur:
            row = await cur.fetchone()
        return ShopEdit(*row) if row else None

    async def latest(self, limit: int = 50) -> list[ShopEdit]:
        async with self.db.conn.execute("SELECT * FROM shop_edits ORDER BY id DESC LIMIT ?", (limit,)) as cur:
            return [ShopEdit(*r) for r in await cur.fetchall()]
