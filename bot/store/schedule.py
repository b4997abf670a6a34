"""Classes as staff see them: the whole schedule of a municipality and month, lookups by
natural key and id, upcoming classes for a broadcast digest, and removal.

Lives here: ``ScheduleStore``. The resident's search stays in ``bot.store.classes``;
this is the staff side (import, export, digest, reminders). Removing a class cancels
its reminders (a trigger of migration 4). Runs SQL on the ``classes`` table only.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.classes.model import ClassSession
from bot.store.backend import Backend
from bot.store.classes import ClassStore, _session


def month_bounds(month: str) -> tuple[str, str]:
    """``"2026-12"`` → the first and last day as ISO dates (``ValueError`` when malformed)."""
    year, _, mon = month.partition("-")
    first = date(int(year), int(mon), 1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first.isoformat(), date.fromordinal(nxt.toordinal() - 1).isoformat()


class ScheduleStore:
    def __init__(self, db: Backend):
        self.db = db

    async def by_keys(self, keys: list[str]) -> dict[str, ClassSession]:
        """Stored classes by natural key (for the import's "new / updated / unchanged")."""
        found: dict[str, ClassSession] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            async with self.db.conn.execute(
                f"SELECT * FROM classes WHERE natural_key IN ({', '.join('?' * len(chunk))})", chunk
            ) as cur:
                for row in await cur.fetchall():
                    found[row["natural_key"]] = _session(row)
        return found

    async def get(self, class_id: int) -> ClassSession | None:
        async with self.db.conn.execute("SELECT * FROM classes WHERE id = ?", (class_id,)) as cur:
            row = await cur.fetchone()
        return _session(row) if row else None

    async def in_month(
        self, municipalities: list[str] | None, month: str, include_samples: bool = False
    ) -> list[ClassSession]:
        """Every class of the month (past days too: it is the month's schedule), by day and time."""
        first, last = month_bounds(month)
        where = ["day >= ?", "day <= ?"]
        args: list = [first, last]
        if municipalities:
            where.append(f"municipality IN ({', '.join('?' * len(municipalities))})")
            args += municipalities
        if not include_samples:
            where.append("sample = 0")
        async with self.db.conn.execute(
            f"SELECT * FROM classes WHERE {' AND '.join(where)} ORDER BY municipality, day, start, venue", args
        ) as cur:
            return [_session(r) for r in await cur.fetchall()]

    async def count_samples(self, municipalities: list[str] | None, month: str | None = None) -> int:
        where, args = ["sample = 1"], []
        if month:
            first, last = month_bounds(month)
            where += ["day >= ?", "day <= ?"]
            args += [first, last]
        if municipalities:
            where.append(f"municipality IN ({', '.join('?' * len(municipalities))})")
            args += municipalities
        async with self.db.conn.execute(f"SELECT COUNT(*) FROM classes WHERE {' AND '.join(where)}", args) as cur:
            (n,) = await cur.fetchone()
        return n

    async def upcoming(
        self,
        municipality: str,
        now: datetime,
        until: date,
        limit: int,
        level: str | None = None,
        topic: str | None = None,
    ) -> tuple[list[ClassSession], int]:
        """Real (not sample) classes from ``now`` to ``until`` (of one level, one topic), soonest
        first, and how many in all."""
        today = now.date().isoformat()
        clause = "municipality = ? AND sample = 0 AND day <= ? AND (day > ? OR (day = ? AND start > ?))"
        args = [municipality, until.isoformat(), today, today, now.strftime("%H:%M")]
        if level:
            clause += " AND level = ?"
            args.append(level)
        if topic:
            clause += " AND topics LIKE ?"
            args.append(f"%,{topic},%")
        async with self.db.conn.execute(
            f"SELECT * FROM classes WHERE {clause} ORDER BY day, start, venue LIMIT ?", (*args, limit)
        ) as cur:
            rows = [_session(r) for r in await cur.fetchall()]
        async with self.db.conn.execute(f"SELECT COUNT(*) FROM classes WHERE {clause}", args) as cur:
            (total,) = await cur.fetchone()
        return rows, total

    async def in_scope(self, municipality: str, month: str) -> list[ClassSession]:
        """Every class (samples too) of one municipality and month: what ``--replace`` may remove."""
        first, last = month_bounds(month)
        async with self.db.conn.execute(
            "SELECT * FROM classes WHERE municipality = ? AND day >= ? AND day <= ? ORDER BY day, start, venue",
            (municipality, first, last),
        ) as cur:
            return [_session(r) for r in await cur.fetchall()]

    async def save(self, sessions: list[ClassSession], remove_ids: list[int] = ()) -> None:
        """Insert or update ``sessions`` and remove ``remove_ids`` in one transaction."""
        conn = self.db.conn
        try:
            if remove_ids:
                await conn.executemany("DELETE FROM classes WHERE id = ?", [(i,) for i in remove_ids])
            if sessions:
                await ClassStore(self.db).upsert_many(sessions)  # commits
            else:
                await conn.commit()
        except BaseException:
            await conn.rollback()
            raise

    async def remove(self, ids: list[int]) -> int:
        if not ids:
            return 0
        await self.save([], list(ids))
        return len(ids)

    async def find(
        self,
        municipalities: list[str] | None = None,
        day: date | None = None,
        month: str | None = None,
        venue: str | None = None,
        ids: list[int] | None = None,
        samples_only: bool = False,
    ) -> list[ClassSession]:
        """Classes matching every given filter (for ``classes remove``)."""
        where, args = ["1 = 1"], []
        if municipalities:
            where.append(f"municipality IN ({', '.join('?' * len(municipalities))})")
            args += municipalities
        if day:
            where.append("day = ?")
            args.append(day.isoformat())
        if month:
            first, last = month_bounds(month)
            where += ["day >= ?", "day <= ?"]
            args += [first, last]
        if venue:
            where.append("venue = ?")
            args.append(venue)
        if ids:
            where.append(f"id IN ({', '.join('?' * len(ids))})")
            args += ids
        if samples_only:
            where.append("sample = 1")
        async with self.db.conn.execute(
            f"SELECT * FROM classes WHERE {' AND '.join(where)} ORDER BY municipality, day, start, venue", args
        ) as cur:
            return [_session(r) for r in await cur.fetchall()]
