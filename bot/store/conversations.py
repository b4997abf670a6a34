"""Per-resident conversation state, kept as JSON in the ``conversations`` table.

Recent states are also held in memory (as their JSON text: a string costs the garbage
collector nothing, where 20,000 states' dicts and lists would be walked at every full
collection, a stop of tens of milliseconds), and writes are gathered: a save updates
memory at once and reaches the database within ``DELAY`` seconds (``bot.store.write_behind``), many
residents in one transaction. So a reply costs no database round trip for the
state, and a restart keeps every state (closing the database flushes first);
only a hard kill can lose the last fraction of a second of changes.

Several processes may share one database (two LINE workers, a LINE and a Telegram process):
before a cached state is trusted, the database says whether another process has written
conversation states since the last look (``Backend.others_wrote``: SQLite's ``PRAGMA
data_version``); if so the cache is dropped (states not written yet are kept), so no process
answers from another's stale state. On PostgreSQL, where processes on several hosts share the
states, no state is kept between turns (``caches_states``: each turn reads it), a turn holds
the resident (``turn``: one turn of a resident at a time across processes) and its state is
written before the hold is let go.

Within a process there is one store (``bot.store.bundle.Stores``): the engine and the reminder
dispatcher must read the same cache, or one would miss states the other has not written yet.

A state left alone longer than ``silence`` (``expire_after``; the retention policy's 30 days
by default in ``open_app``) loads as a new conversation: the remembered context expires.

The gathering is ``WriteBehind``'s: flushes take turns, a flush returns only when
every state saved before it is committed (also one a flush in flight had taken),
so closing waits for a write in flight instead of closing the connection under it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.store.backend import Backend
from bot.store.write_behind import DELAY, WriteBehind

CACHE_SIZE = 20_000


class ConversationStore:
    def __init__(self, db: Backend, flush_delay: float = DELAY):
        self.db = db
        self._cache: OrderedDict[str, str] = OrderedDict()  # user key → the state's JSON
        self._touched: dict[str, datetime] = {}  # user key → when their state was last saved
        self.silence: timedelta | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # user key → the state's JSON, not written yet
        self.writes = WriteBehind(db, self._write, "conversation states", delay=flush_delay)

    def expire_after(self, silence: timedelta | None, clock: Callable[[], datetime] | None = None) -> None:
        """A state saved longer than ``silence`` ago (by ``clock``) loads as new."""
        self.silence = silence
        if clock is not None:
            self.clock = clock

    def _expired(self, touched: datetime | None) -> bool:
        return self.silence is not None and touched is not None and touched < self.clock() - self.silence

    async def _drop_stale(self) -> None:
        """Forget the cached states when another process has written since the last look."""
        if await self.db.others_wrote():
            unwritten = self.writes.pending
            self._cache = OrderedDict((k, v) for k, v in self._cache.items() if k in unwritten)

    def turn(self, user_key: str):
        """Held around a resident's turn (load … save): across processes, one turn of a
        resident at a time (``Backend.resident_turn``), its state written before the next."""
        return _Turn(self, user_key)

    async def load(self, user_key: str) -> dict:
        await self._drop_stale()
        if not self.db.caches_states and user_key not in self.writes.pending:
            self._cache.pop(user_key, None)  # another process may have changed it: read it
        kept = self._cache.get(user_key)
        if kept is not None:
            self._cache.move_to_end(user_key)
            return {} if self._expired(self._touched.get(user_key)) else json.loads(kept)
        rows = await self.db.conn.execute_fetchall(
            "SELECT state, updated_at FROM conversations WHERE user_key = ?", (user_key,)
        )
        state: dict = {}
        text = "{}"
        if rows:
            state = _state(rows[0]["state"])
            text = rows[0]["state"] if state else text
            try:
                touched = datetime.fromisoformat(rows[0]["updated_at"])
                self._touched[user_key] = touched if touched.tzinfo else touched.replace(tzinfo=UTC)
            except (TypeError, ValueError):
                pass
        self._remember(user_key, text)
        return {} if self._expired(self._touched.get(user_key)) else state

    async def save(self, user_key: str, state: dict) -> None:
        self._touched[user_key] = self.clock()
        text = json.dumps(state, ensure_ascii=False)
        self._remember(user_key, text)
        self.writes.pending[user_key] = text
        self.writes.soon()

    async def forget(self, user_key: str) -> None:
        self._cache.pop(user_key, None)
        self._touched.pop(user_key, None)
        self.writes.pending.pop(user_key, None)
        async with self.writes.lock:  # after a flush in flight that may still carry the old state
            await self.db.conn.execute("DELETE FROM conversations WHERE user_key = ?", (user_key,))
            await self.db.conn.commit()

    async def flush(self) -> None:
        """Write every pending state now, in one transaction; return when it is committed,
        and so is any flush that was writing when this one was called."""
        await self.writes.flush()

    async def _write(self, pending: dict[str, str]) -> None:
        now = self.clock().astimezone(UTC).isoformat()
        await self.db.conn.executemany(
            "INSERT INTO conversations (user_key, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            [(user, state, now) for user, state in pending.items()],
        )
        await self.db.conn.commit()

    def _remember(self, user_key: str, text: str) -> None:
        self._cache[user_key] = text
        self._cache.move_to_end(user_key)
        while len(self._cache) > CACHE_SIZE:
            oldest, _ = self._cache.popitem(last=False)
            if oldest in self.writes.pending:  # not written yet: keep it until it is
                self._cache[oldest] = self.writes.pending[oldest]
                break
            self._touched.pop(oldest, None)


def _state(text: str) -> dict:
    """A stored state's JSON as a dict; a broken or non-object one is a new conversation."""
    try:
        loaded = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


class _Turn:
    """``ConversationStore.turn``: the backend's hold on the resident, and on leaving, the
    state saved during the turn written before the hold is let go."""

    def __init__(self, store: ConversationStore, user_key: str):
        self.store = store
        self.hold = store.db.resident_turn(user_key)

    async def __aenter__(self) -> None:
        await self.hold.__aenter__()

    async def __aexit__(self, *exc) -> None:
        try:
            if not self.store.db.caches_states:
                await self.store.flush()
        finally:
            await self.hold.__aexit__(*exc)
