"""The read-only summaries the web console shows: a page of classes with filters, the
subscribers per municipality and channel, the residents waiting for a class's reminder,
and a broadcast's deliveries for its report. Bounded (LIMIT / indexed) so that pages stay
fast at national scale (90,000 classes, 100,000 subscribers). Only SQL here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from bot.classes.model import ClassSession
from bot.store.backend import Backend
from bot.store.classes import _session
from bot.store.schedule import month_bounds

COUNT_CAP = 5000  # a page says "more than 5,000" instead of counting every match


@dataclass(frozen=True)
class ClassPage:
    classes: list[ClassSession]
    total: int  # at most COUNT_CAP + 1

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


class Overview:
    def __init__(self, db: Backend):
        self.db = db

    async def classes(
        self,
        municipalities: list[str] | None,
        month: str | None = None,
        since: date | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ClassPage:
        """Classes of ``municipalities`` (None: all; of ``month``, or from ``since`` on; ``text`` in
        the venue or title), by day and time, one page of them and how many in all."""
        if municipalities is not None and not municipalities:
            return ClassPage([], 0)
        where, args = ["1 = 1"], []
        if municipalities is not None:
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
        if len(rows) < limit and not offset:
            return ClassPage(rows, len(rows))
        async with self.db.conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM classes WHERE {clause} LIMIT {COUNT_CAP + 1}) AS found", args
        ) as cur:
            (total,) = await cur.fetchone()
        return ClassPage(rows, total)

    async def channels(self) -> list[str]:
        """The channels subscribers are on: one index seek per channel (``line:`` … ``line;``)."""
        found, after = [], ""
        while True:
            async with self.db.conn.execute(
                "SELECT user_key FROM subscriptions WHERE user_key >= ? ORDER BY user_key LIMIT 1", (after,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return found
            channel, colon, _ = row[0].partition(":")
            if colon:
                found.append(channel)
                after = channel + ";"  # the first key after every "channel:…"
            else:
                after = row[0] + "\x01"  # the first key after it (PostgreSQL's text holds no NUL)

    async def subscribers(self, municipalities: list[str] | None) -> dict[str, dict[str, int]]:
        """Subscribers who have not blocked the bot: municipality → channel → count (None: all).

        Counted per channel over a range of the primary key (no expression to group by), and
        the few blocked residents subtracted: fast at 100,000 subscribers."""
        if municipalities is not None and not municipalities:
            return {}
        where, args = (
            ("", [])
            if municipalities is None
            else (" AND " + _in("municipality", municipalities), list(municipalities))
        )
        out: dict[str, dict[str, int]] = {}
        for channel in await self.channels():
            async with self.db.conn.execute(
                f"SELECT municipality, COUNT(*) FROM subscriptions WHERE user_key >= ? AND user_key < ?{where} "
                "GROUP BY municipality",
                (channel + ":", channel + ";", *args),
            ) as cur:
                for city, n in await cur.fetchall():
                    out.setdefault(city, {})[channel] = n
        async with self.db.conn.execute(
            "SELECT municipality, user_key FROM subscriptions WHERE user_key IN "
            f"(SELECT user_key FROM residents WHERE blocked = 1){where}",
            args,
        ) as cur:
            for city, key in await cur.fetchall():
                per = out.get(city, {})
                channel = key.partition(":")[0]
                if per.get(channel):
                    per[channel] -= 1
        return {
            city: {c: n for c, n in sorted(per.items()) if n} for city, per in sorted(out.items()) if any(per.values())
        }

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
