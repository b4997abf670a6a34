"""The read-only summaries the web console shows: a page of classes with filters, the
subscribers per municipality and channel, the residents waiting for a class's reminder,
and a broadcast's deliveries for its report. Bounded (LIMIT / indexed) so that pages stay
fast at national scale (90,000 classes, 100,000 subscribers). Only SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import AsyncIterator

from bot.classes.model import ClassSession
from bot.store.classes import _session
from bot.store.database import Database
from bot.store.schedule import month_bounds


@dataclass(frozen=True)
class ClassPage:
    classes: list[ClassSession]
    total: int


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


class Overview:
    def __init__(self, db: Database):
        self.db = db

    async def classes(
        self,
        municipalities: list[str],
        month: str | None = None,
        since: date | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ClassPage:
        """Classes of ``municipalities`` (of ``month``, or from ``since`` on; ``text`` in the
        venue or title), by day and time, one page of them and how many in all."""
        if not municipalities:
            return ClassPage([], 0)
        where, args = [_in("municipality", municipalities)], list(municipalities)
        if month:
            first, last = month_bounds(month)
            where += ["day >= ?", "day <= ?"]
            args += [first, last]
        elif since:
            where.append("day >= ?")
            args.append(since.isoformat())
        if text:
            where.append("(instr(venue, ?) > 0 OR instr(title, ?) > 0)")
            args += [text, text]
        clause = " AND ".join(where)
        async with self.db.conn.execute(
            f"SELECT * FROM classes WHERE {clause} ORDER BY day, start, municipality, venue LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ) as cur:
            rows = [_session(r) for r in await cur.fetchall()]
        async with self.db.conn.execute(f"SELECT COUNT(*) FROM classes WHERE {clause}", args) as cur:
            (total,) = await cur.fetchone()
        return ClassPage(rows, total)

    async def subscribers(self, municipalities: list[str]) -> dict[str, dict[str, int]]:
        """Subscribers who have not blocked the bot: municipality → channel → count."""
        if not municipalities:
            return {}
        out: dict[str, dict[str, int]] = {}
        async with self.db.conn.execute(
            "SELECT s.municipality, substr(s.user_key, 1, instr(s.user_key, ':') - 1) AS channel, COUNT(*) "
            "FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
            f"WHERE {_in('s.municipality', municipalities)} AND COALESCE(r.blocked, 0) = 0 "
            "GROUP BY s.municipality, channel ORDER BY s.municipality, channel",
            municipalities,
        ) as cur:
            for city, channel, n in await cur.fetchall():
                out.setdefault(city, {})[channel] = n
        return out

    async def reminder_holders(self, class_id: int) -> list[str]:
        """The residents with a pending reminder for the class (who asked to be told)."""
        async with self.db.conn.execute(
            "SELECT user_key FROM reminders WHERE class_id = ? AND status = 'pending' ORDER BY user_key", (class_id,)
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def deliveries(self, broadcast_id: int, batch: int = 5000) -> AsyncIterator[list[tuple]]:
        """Every delivery of a broadcast (user key, channel, status, attempts, last error,
        updated at), in batches, for the report download."""
        last = ""
        while True:
            async with self.db.conn.execute(
                "SELECT user_key, channel, status, attempts, last_error, updated_at FROM deliveries "
                "WHERE broadcast_id = ? AND user_key > ? ORDER BY user_key LIMIT ?",
                (broadcast_id, last, batch),
            ) as cur:
                rows = [tuple(r) for r in await cur.fetchall()]
            if not rows:
                return
            yield rows
            last = rows[-1][0]
