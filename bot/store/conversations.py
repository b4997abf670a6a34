"""Per-resident conversation state, kept as JSON in the ``conversations`` table.

Recent states are also held in memory, and writes are gathered: a save updates
memory at once and reaches the database within ``FLUSH_DELAY`` seconds, many
residents in one transaction. So a reply costs no database round trip for the
state, and a restart keeps every state (closing the database flushes first);
only a hard kill can lose the last fraction of a second of changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from datetime import datetime, timezone

from bot.store.database import Database

log = logging.getLogger(__name__)

FLUSH_DELAY = 0.05
CACHE_SIZE = 20_000


class ConversationStore:
    def __init__(self, db: Database, flush_delay: float = FLUSH_DELAY):
        self.db = db
        self.flush_delay = flush_delay
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._dirty: dict[str, str] = {}
        self._flusher: asyncio.Task | None = None
        db.before_close.append(self.flush)

    @classmethod
    def of(cls, db: Database) -> "ConversationStore":
        """The one store of a database: every part of a process (the engine, the
        reminder sender) must share it, or one would read states the other has
        not written yet from a cache of its own."""
        store = db.shared.get(cls)
        if store is None:
            store = db.shared[cls] = cls(db)
        return store

    async def load(self, user_key: str) -> dict:
        state = self._cache.get(user_key)
        if state is not None:
            self._cache.move_to_end(user_key)
            return state
        rows = await self.db.conn.execute_fetchall("SELECT state FROM conversations WHERE user_key = ?", (user_key,))
        state = {}
        if rows:
            try:
                loaded = json.loads(rows[0]["state"])
                state = loaded if isinstance(loaded, dict) else {}
            except json.JSONDecodeError:
                state = {}
        self._remember(user_key, state)
        return state

    async def save(self, user_key: str, state: dict) -> None:
        self._remember(user_key, state)
        self._dirty[user_key] = json.dumps(state, ensure_ascii=False)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    async def forget(self, user_key: str) -> None:
        self._cache.pop(user_key, None)
        self._dirty.pop(user_key, None)
        await self.db.conn.execute("DELETE FROM conversations WHERE user_key = ?", (user_key,))
        await self.db.conn.commit()

    async def flush(self) -> None:
        """Write every pending state now, in one transaction."""
        if not self._dirty or self.db._conn is None:
            return
        pending, self._dirty = self._dirty, {}
        now = datetime.now(timezone.utc).isoformat()
        try:
            await self.db.conn.executemany(
                "INSERT INTO conversations (user_key, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                [(user, state, now) for user, state in pending.items()],
            )
            await self.db.conn.commit()
        except Exception:
            for user, state in pending.items():  # keep them for the next flush
                self._dirty.setdefault(user, state)
            raise

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.flush_delay)
        try:
            await self.flush()
        except Exception:
            log.exception("could not save conversation states; will retry")

    def _remember(self, user_key: str, state: dict) -> None:
        self._cache[user_key] = state
        self._cache.move_to_end(user_key)
        while len(self._cache) > CACHE_SIZE:
            oldest, _ = self._cache.popitem(last=False)
            if oldest in self._dirty:  # not written yet: keep it until it is
                self._cache[oldest] = json.loads(self._dirty[oldest])
                break
