"""Per-resident conversation state, kept as JSON in the ``conversations`` table."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bot.store.database import Database


class ConversationStore:
    def __init__(self, db: Database):
        self.db = db

    async def load(self, user_key: str) -> dict:
        rows = await self.db.conn.execute_fetchall(
            "SELECT state FROM conversations WHERE user_key = ?", (user_key,)
        )  # one round trip to the database thread
        if not rows:
            return {}
        try:
            state = json.loads(rows[0]["state"])
        except json.JSONDecodeError:
            return {}
        return state if isinstance(state, dict) else {}

    async def save(self, user_key: str, state: dict) -> None:
        await self.db.conn.execute(
            "INSERT INTO conversations (user_key, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            (user_key, json.dumps(state, ensure_ascii=False), datetime.now(timezone.utc).isoformat()),
        )
        await self.db.conn.commit()

    async def forget(self, user_key: str) -> None:
        await self.db.conn.execute("DELETE FROM conversations WHERE user_key = ?", (user_key,))
        await self.db.conn.commit()
