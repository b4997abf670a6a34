"""Keeping residents' data only as long as needed: what ``madoguchi maintenance purge`` deletes.

Lives here: ``RetentionPolicy`` (how long each kind of record is kept: a conversation's
remembered context 30 days of silence, unanswered questions 180 days after they were last
asked, delivery records of broadcasts and class reminders a year, audit entries three years;
each configurable, ``bot.config.retention_days``) and ``Purger`` (``due`` counts and lists
what the policy says must go at a given time — the dry run —, ``purge`` deletes it in one
transaction). An expired conversation keeps its row with an empty state, so the resident's
subscriptions, reminders and delivery records are not taken with it (``/forget`` still
deletes everything at once). Deliveries still pending and reminders not sent yet are never
purged. Only SQL here; the time is the caller's (a virtual clock in tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from bot.store.backend import Backend

DEFAULT_DAYS = {"conversations": 30, "unanswered": 180, "deliveries": 365, "audit": 3 * 365}
SHOWN = 5  # examples listed per kind in a dry run


@dataclass(frozen=True)
class RetentionPolicy:
    conversations: timedelta = timedelta(days=DEFAULT_DAYS["conversations"])  # silence before the context expires
    unanswered: timedelta = timedelta(days=DEFAULT_DAYS["unanswered"])
    deliveries: timedelta = timedelta(days=DEFAULT_DAYS["deliveries"])
    audit: timedelta = timedelta(days=DEFAULT_DAYS["audit"])

    @classmethod
    def from_days(cls, days: Mapping[str, int]) -> RetentionPolicy:
        return cls(**{f.name: timedelta(days=days[f.name]) for f in fields(cls) if f.name in days})


# kind → (what a row is, SQL counting / listing the rows due, SQL deleting them); ``?`` is the cutoff
_RULES: dict[str, tuple[str, str, str]] = {
    "conversations": (
        "user_key || ' (' || updated_at || ')'",
        "FROM conversations WHERE state != '{}' AND julianday(updated_at) < julianday(?)",
        "UPDATE conversations SET state = '{}' WHERE state != '{}' AND julianday(updated_at) < julianday(?)",
    ),
    "unanswered": (
        "text || ' (' || last_day || ')'",
        "FROM unanswered WHERE last_day < substr(?, 1, 10)",
        "DELETE FROM unanswered WHERE last_day < substr(?, 1, 10)",
    ),
    "deliveries": (
        "'#' || broadcast_id || ' ' || user_key || ' ' || status || ' (' || updated_at || ')'",
        "FROM deliveries WHERE status NOT IN ('pending', 'in_flight') AND julianday(updated_at) < julianday(?)",
        "DELETE FROM deliveries WHERE status NOT IN ('pending', 'in_flight') AND julianday(updated_at) < julianday(?)",
    ),
    "reminders": (
        "user_key || ' class ' || class_id || ' ' || status || ' (' || updated_at || ')'",
        "FROM reminders WHERE status NOT IN ('pending', 'sending') AND julianday(updated_at) < julianday(?)",
        "DELETE FROM reminders WHERE status NOT IN ('pending', 'sending') AND julianday(updated_at) < julianday(?)",
    ),
    "audit": (
        "at || ' ' || actor || ' ' || action",
        "FROM audit WHERE julianday(at) < julianday(?)",
        "DELETE FROM audit WHERE julianday(at) < julianday(?)",
    ),
}
_KEPT_FOR = {"reminders": "deliveries"}  # class reminders are delivery records too


@dataclass(frozen=True)
class Due:
    kind: str
    cutoff: datetime
    count: int
    examples: tuple[str, ...]


class Purger:
    def __init__(self, db: Backend, policy: RetentionPolicy | None = None):
        self.db = db
        self.policy = policy or RetentionPolicy()

    def cutoff(self, kind: str, now: datetime) -> datetime:
        keep: timedelta = getattr(self.policy, _KEPT_FOR.get(kind, kind))
        return (now - keep).astimezone(UTC)

    async def due(self, now: datetime) -> list[Due]:
        """What the policy says must go at ``now``: a count and a few examples per kind."""
        await self.db.settle()
        out = []
        for kind, (shown, where, _) in _RULES.items():
            cutoff = self.cutoff(kind, now)
            arg = (cutoff.isoformat(),)
            async with self.db.conn.execute(f"SELECT COUNT(*) {where}", arg) as cur:
                (count,) = await cur.fetchone()
            async with self.db.conn.execute(f"SELECT {shown} {where} LIMIT {SHOWN}", arg) as cur:
                examples = tuple(r[0] for r in await cur.fetchall())
            out.append(Due(kind, cutoff, count, examples))
        return out

    async def purge(self, now: datetime) -> dict[str, int]:
        """Delete what is due at ``now``, in one transaction; how many rows of each kind."""
        await self.db.settle()
        done = {}
        try:
            for kind, (_, _, delete) in _RULES.items():
                cur = await self.db.conn.execute(delete, (self.cutoff(kind, now).isoformat(),))
                done[kind] = cur.rowcount
            await self.db.conn.commit()
        except BaseException:
            await self.db.conn.rollback()
            raise
        return done
