"""Classes in the database: insert or update by natural key, and the resident's search.

Past classes are never returned: a search starts at the caller's "now". A search is a few
ordered ranges of one index (``_plan``): per municipality or prefecture, per day, with the
time of day, level, carrier and topic inside the range, so its rows read are bounded by its
limit however many classes the database holds (a search without a place, which no resident
asks, reads the day index and filters row by row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.classes.model import ClassSession
from bot.data import vocabulary
from bot.store.backend import Backend

_COLUMNS = (
    'natural_key, prefecture, municipality, venue, phone, address, shop_id, carrier, day, start, "end", '
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
    prefecture: str | None = None  # the whole prefecture (when no municipality is given)


def _row(c: ClassSession, now: str) -> tuple:
    return (
        c.natural_key,
        c.prefecture,
        c.municipality,
        c.venue,
        c.phone,
        c.address,
        c.shop_id,
        c.carrier,
        c.day.isoformat(),
        c.start,
        c.end,
        c.level,
        c.title,
        "," + ",".join(c.topics) + ",",
        c.capacity,
        c.seats_left,
        int(c.booking_required),
        c.bring,
        int(c.sample),
        now,
    )


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
    def __init__(self, db: Backend):
        self.db = db

    async def count(self) -> int:
        async with self.db.conn.execute("SELECT COUNT(*) FROM classes") as cur:
            (n,) = await cur.fetchone()
        return n

    async def upsert_many(self, sessions: list[ClassSession]) -> None:
        now = datetime.now(UTC).isoformat()
        placeholders = ", ".join("?" * 20)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])
        await self.db.conn.executemany(
            f"INSERT INTO classes ({_COLUMNS}) VALUES ({placeholders}) "
            f"ON CONFLICT (natural_key) DO UPDATE SET {updates}",
            [_row(c, now) for c in sessions],
        )
        await self.db.conn.commit()

    async def search(self, q: ClassQuery) -> tuple[list[ClassSession], int]:
        """Upcoming classes matching ``q``, soonest first, and how many match in all (up to
        ``COUNT_CAP``)."""
        plan = _plan(q)
        if plan is None:
            return [], 0
        # A resident's question: two small indexed reads with bounded rows, answered at once (see ``Backend.fetch``).
        rows = await self.db.fetch(*plan.listing(q.limit))
        if len(rows) < q.limit:
            return [_session(r) for r in rows], len(rows)
        ((total,),) = await self.db.fetch(*plan.count(COUNT_CAP))
        return [_session(r) for r in rows], total

    async def first_match(self, queries: list[ClassQuery]) -> tuple[int, list[ClassSession], int]:
        """The first of ``queries`` (a search and its relaxed forms) that has a match: which one,
        its classes and its count. Whether each matches comes from one read (at most one row of
        each); ``(-1, [], 0)`` when none does."""
        plans = [_plan(q) for q in queries]
        probes = [(p.count(1) if p else ("SELECT 0", ())) for p in plans]
        sql = "SELECT " + ", ".join(f"({text})" for text, _ in probes)
        (hits,) = await self.db.fetch(sql, [a for _, args in probes for a in args])
        for i, hit in enumerate(hits):
            if hit:
                found, total = await self.search(queries[i])
                return i, found, total
        return -1, [], 0


@dataclass(frozen=True)
class _Range:
    """One ordered range of an index: the WHERE clause and its arguments."""

    where: str
    args: tuple


@dataclass(frozen=True)
class _Plan:
    """A search as ordered index ranges: each is read in (day, start, venue) order and stops at
    the limit, so the rows read are bounded by the limit (and one index seek per day)."""

    source: str  # FROM … (an index named, so the plan never falls back to a scan)
    counted: str  # FROM … for counting (the index alone)
    columns: str  # the classes' columns
    ranges: tuple[_Range, ...]
    order: str

    def _branch(self, r: _Range, what: str, order: bool) -> str:
        if not order:
            return f"SELECT {what} FROM {self.counted} WHERE {r.where}"
        return f"SELECT {what} FROM {self.source} WHERE {r.where} ORDER BY {self.order} LIMIT ?"

    def listing(self, limit: int) -> tuple[str, list]:
        if len(self.ranges) == 1:
            r = self.ranges[0]
            return self._branch(r, self.columns, True), [*r.args, limit]
        # Each range ordered and limited; SQLite merges them in order.
        parts = [
            f"SELECT * FROM ({self._branch(r, self.columns, True)}) AS ranged_{i}" for i, r in enumerate(self.ranges)
        ]
        sql = " UNION ALL ".join(parts) + " ORDER BY day, start, venue LIMIT ?"
        return sql, [a for r in self.ranges for a in (*r.args, limit)] + [limit]

    def count(self, cap: int) -> tuple[str, list]:
        """How many match, counting stops at ``cap``: "more than 999" is all a resident needs."""
        parts = " UNION ALL ".join(self._branch(r, "1", False) for r in self.ranges)
        return f"SELECT COUNT(*) FROM ({parts} LIMIT {int(cap)}) AS found", [a for r in self.ranges for a in r.args]


def _days(q: ClassQuery) -> list[tuple[str, str | None]]:
    """The days the search may return, in order, each with the start a class must be after
    (today: now; the day of ``beyond``: its start), or None."""
    today = q.now.date()
    day = max(q.start, today) if q.start else today
    first: tuple[str, str] | None = (today.isoformat(), q.now.strftime("%H:%M"))
    if q.beyond:
        b_day, b_start = date.fromisoformat(q.beyond[0]), q.beyond[1]
        if b_day >= day:
            day, first = b_day, (b_day.isoformat(), max(b_start, first[1]) if b_day == today else b_start)
    out = []
    while day <= q.until:
        if not q.weekdays or day.weekday() in q.weekdays:
            iso = day.isoformat()
            out.append((iso, first[1] if first and first[0] == iso else None))
        day += timedelta(days=1)
    return out


def _time_ranges(q: ClassQuery, p: str = "") -> list[tuple[str, list]]:
    """(condition, args) on day and start: the first day with its own lower bound, the rest
    together (an IN list of days: each an ordered range of the index)."""
    days = _days(q)
    groups = []
    if days and days[0][1] is not None:
        (day, after), days = days[0], days[1:]
        lower = (f"{p}start >= ?", q.after) if q.after and q.after > after else (f"{p}start > ?", after)
        groups.append(([f"{p}day = ?", lower[0]], [day, lower[1]]))
    if days:
        lower = ([f"{p}start >= ?"], [q.after]) if q.after else ([], [])
        groups.append(([f"{p}day IN ({', '.join('?' * len(days))})", *lower[0]], [d for d, _ in days] + lower[1]))
    out = []
    for conds, args in groups:
        if q.before:
            conds, args = [*conds, f"{p}start < ?"], [*args, q.before]
        out.append((" AND ".join(conds), args))
    return out


def _scopes(q: ClassQuery) -> list[tuple[str | None, str | None]]:
    """(column, value) of each place searched: municipalities, else the prefecture, else none."""
    if q.municipalities:
        return [("municipality", m) for m in q.municipalities]
    return [("prefecture", q.prefecture)] if q.prefecture else [(None, None)]


def _kinds(q: ClassQuery, p: str, placed: bool) -> list[tuple[str, list]]:
    """(condition, args) of each level and carrier range: one per value of the one not asked
    (the values a class's level and carrier can take, both validated when a schedule is
    imported: ``bot.data.vocabulary``)."""
    if not placed:
        # No place: the day index, the other filters read row by row (not bounded; residents always have a place).
        return [_residual(q)]
    if not (q.level or q.carrier):
        return [("", [])]
    sql = " AND t.level = ? AND t.carrier = ?" if p else " AND level = ? AND ifnull(carrier, '') = ?"
    levels = (q.level,) if q.level else vocabulary.levels()
    carriers = (q.carrier,) if q.carrier else (*vocabulary.carriers(), "")
    return [(sql, [level, carrier]) for level in levels for carrier in carriers]


def _source(q: ClassQuery, column: str | None, ranges: tuple[_Range, ...]) -> _Plan:
    if column is None:
        source = "classes INDEXED BY classes_day"
        return _Plan(source, source, "*", ranges, "day, start, venue")
    index = f"{'city' if column == 'municipality' else 'prefecture'}_{'kind' if q.level or q.carrier else 'when'}"
    if q.topic:
        topics = f"class_topics AS t INDEXED BY class_topics_{index}"
        return _Plan(
            f"{topics} JOIN classes AS c ON c.id = t.class_id", topics, "c.*", ranges, "t.day, t.start, t.venue"
        )
    source = f"classes INDEXED BY classes_{index}"
    return _Plan(source, source, "*", ranges, "day, start, venue")


def _plan(q: ClassQuery) -> _Plan | None:
    """The index ranges of ``q``: per place, level-and-carrier range and day group; None when no
    day can match."""
    scopes = _scopes(q)
    placed = scopes[0][0] is not None
    p = "t." if q.topic and placed else ""
    times = _time_ranges(q, p)
    if not times:
        return None
    ranges = []
    for column, value in scopes:
        head, head_args = ([f"{p}{column} = ?"], [value]) if placed else ([], [])
        if p:
            head, head_args = ["t.topic = ?", *head], [q.topic, *head_args]
        for kind_sql, kind_args in _kinds(q, p, placed):
            for time_sql, time_args in times:
                where = " AND ".join([*head, time_sql]) + kind_sql
                ranges.append(_Range(where, (*head_args, *time_args, *kind_args)))
    return _source(q, scopes[0][0], tuple(ranges))


def _residual(q: ClassQuery) -> tuple[str, list]:
    conds, args = [], []
    for sql, value in (
        ("level = ?", q.level),
        ("carrier = ?", q.carrier),
        ("topics LIKE ?", q.topic and f"%,{q.topic},%"),
    ):
        if value:
            conds.append(sql)
            args.append(value)
    return "".join(f" AND {c}" for c in conds), args
