"""Classes in the database: insert or update by natural key, and the resident's search.

Past classes are never returned: a search starts at the caller's "now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from bot.classes.model import ClassSession
from bot.store.database import Database

_COLUMNS = (
    "natural_key, prefecture, municipality, venue, phone, address, shop_id, carrier, day, start, end, "
    "level, title, topics, capacity, seats_left, booking_required, bring, sample, updated_at"
)


COUNT_CAP = 1000


@dataclass(frozen=True)
class ClassQuery:
    """A resident's search. Empty fields do not filter."""

    now: datetime
    until: date
    municipalities: tuple[str, ...] = ()
    start: date | None = None
    weekdays: frozenset[int] = frozenset()
    level: str | None = None
    topic: str | None = None
    carrier: str | None = None
    after: str | None = None  # start "HH:MM" at or after (午後)
    before: str | None = None  # start "HH:MM" before (午前)
    beyond: tuple[str, str] | None = None  # (ISO day, "HH:MM") of a class: only later ones
    limit: int = 3  # a short list: many readers are over 65


def _row(c: ClassSession, now: str) -> tuple:
    return (
        c.natural_key, c.prefecture, c.municipality, c.venue, c.phone, c.address, c.shop_id, c.carrier,
        c.day.isoformat(), c.start, c.end, c.level, c.title, "," + ",".join(c.topics) + ",",
        c.capacity, c.seats_left, int(c.booking_required), c.bring, int(c.sample), now,
    )  # fmt: skip


def _session(row) -> ClassSession:
    return ClassSession(
        id=row["id"],
        prefecture=row["prefecture"],
        municipality=row["municipality"],
        venue=row["venue"],
        phone=row["phone"],
        address=row["address"],
        shop_id=row["shop_id"],
        carrier=row["carrier"],
        day=date.fromisoformat(row["day"]),
        start=row["start"],
        end=row["end"],
        level=row["level"],
        title=row["title"],
        topics=tuple(t for t in row["topics"].split(",") if t),
        capacity=row["capacity"],
        seats_left=row["seats_left"],
        booking_required=bool(row["booking_required"]),
        bring=row["bring"],
        sample=bool(row["sample"]),
    )


class ClassStore:
    def __init__(self, db: Database):
        self.db = db

    async def count(self) -> int:
        async with self.db.conn.execute("SELECT COUNT(*) FROM classes") as cur:
            (n,) = await cur.fetchone()
        return n

    async def upsert_many(self, sessions: list[ClassSession]) -> None:
        now = datetime.now(timezone.utc).isoformat()
        placeholders = ", ".join("?" * 20)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])
        await self.db.conn.executemany(
            f"INSERT INTO classes ({_COLUMNS}) VALUES ({placeholders}) "
            f"ON CONFLICT (natural_key) DO UPDATE SET {updates}",
            [_row(c, now) for c in sessions],
        )
        await self.db.conn.commit()

    async def search(self, q: ClassQuery) -> tuple[list[ClassSession], int]:
        """Upcoming classes matching ``q``, soonest first, and how many match in all."""
        today = q.now.date().isoformat()
        start_day = max(q.start.isoformat(), today) if q.start else today
        where = ["day >= ?", "day <= ?", "(day > ? OR start > ?)"]
        args: list = [start_day, q.until.isoformat(), today, q.now.strftime("%H:%M")]
        if q.municipalities:
            where.append(f"municipality IN ({', '.join('?' * len(q.municipalities))})")
            args += list(q.municipalities)
        if q.weekdays:
            # SQLite's %w counts from Sunday = 0; Python's weekday() from Monday = 0.
            sqlite_days = sorted(str((d + 1) % 7) for d in q.weekdays)
            where.append(f"strftime('%w', day) IN ({', '.join('?' * len(sqlite_days))})")
            args += sqlite_days
        if q.level:
            where.append("level = ?")
            args.append(q.level)
        if q.topic:
            where.append("topics LIKE ?")
            args.append(f"%,{q.topic},%")
        if q.carrier:
            where.append("carrier = ?")
            args.append(q.carrier)
        if q.after:
            where.append("start >= ?")
            args.append(q.after)
        if q.before:
            where.append("start < ?")
            args.append(q.before)
        if q.beyond:
            day, start = q.beyond
            where.append("(day > ? OR (day = ? AND start > ?))")
            args += [day, day, start]
        clause = " AND ".join(where)
        # A resident's question: two small indexed reads, on this thread (see ``Database.read``).
        rows = self.db.read(f"SELECT * FROM classes WHERE {clause} ORDER BY day, start, venue LIMIT ?", (*args, q.limit))
        if len(rows) < q.limit:
            return [_session(r) for r in rows], len(rows)
        # Counting stops at COUNT_CAP: "more than 999" is all a resident needs to know.
        ((total,),) = self.db.read(f"SELECT COUNT(*) FROM (SELECT 1 FROM classes WHERE {clause} LIMIT {COUNT_CAP})", args)
        return [_session(r) for r in rows], total
