"""Class reminders in the database: a resident's "remind me the day before".

Lives here: ``ReminderStore`` and ``Reminder``. A reminder is ``pending`` until its
``due_at``, ``sending`` while a dispatcher delivers it (committed before the message
goes out, so after a crash only those can arrive twice), then ``sent``, ``failed``,
``expired`` (the class began before it could go) or ``cancelled`` (the resident
cancelled it, or the class was removed — a trigger of migration 4 does that).
Forgetting a resident deletes their reminders (trigger). Only SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store.backend import Backend


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Reminder:
    id: int
    user_key: str
    class_id: int
    due_at: datetime
    status: str
    attempts: int
    last_error: str | None


def _reminder(r) -> Reminder:
    return Reminder(
        r["id"],
        r["user_key"],
        r["class_id"],
        datetime.fromisoformat(r["due_at"]),
        r["status"],
        r["attempts"],
        r["last_error"],
    )


class ReminderStore:
    def __init__(self, db: Backend):
        self.db = db

    async def add(self, user_key: str, class_id: int, due_at: datetime) -> bool:
        """Ask for a reminder; False when this resident already has one pending for the class."""
        conn = self.db.conn
        now = _now()
        cur = await conn.execute(
            "INSERT INTO reminders (user_key, class_id, due_at, status, created_at, updated_at) "
            "VALUES (?, ?, ?, 'pending', ?, ?) "
            "ON CONFLICT (user_key, class_id) DO UPDATE SET due_at = excluded.due_at, status = 'pending', "
            "attempts = 0, last_error = NULL, updated_at = excluded.updated_at "
            "WHERE reminders.status NOT IN ('pending', 'sending')",
            (user_key, class_id, _iso(due_at), now, now),
        )
        await conn.commit()
        return cur.rowcount == 1

    async def cancel(self, user_key: str, class_id: int) -> bool:
        cur = await self.db.conn.execute(
            "UPDATE reminders SET status = 'cancelled', last_error = 'cancelled by the resident', updated_at = ? "
            "WHERE user_key = ? AND class_id = ? AND status = 'pending'",
            (_now(), user_key, class_id),
        )
        await self.db.conn.commit()
        return cur.rowcount == 1

    async def of_user(self, user_key: str, statuses: tuple[str, ...] = ("pending",)) -> list[Reminder]:
        async with self.db.conn.execute(
            f"SELECT * FROM reminders WHERE user_key = ? AND status IN ({', '.join('?' * len(statuses))}) ORDER BY due_at",
            (user_key, *statuses),
        ) as cur:
            return [_reminder(r) for r in await cur.fetchall()]

    async def get(self, reminder_id: int) -> Reminder | None:
        async with self.db.conn.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)) as cur:
            row = await cur.fetchone()
        return _reminder(row) if row else None

    async def recover(self) -> int:
        """Reminders a stopped dispatcher left ``sending`` go back to ``pending``."""
        cur = await self.db.conn.execute(
            "UPDATE reminders SET status = 'pending', updated_at = ? WHERE status = 'sending'", (_now(),)
        )
        await self.db.conn.commit()
        return cur.rowcount

    async def claim_due(self, now: datetime, channels: list[str] | None = None, limit: int = 100) -> list[Reminder]:
        """Pending reminders due by ``now`` (of ``channels`` only, when given), marked
        ``sending`` (committed) before return."""
        where, args = "status = 'pending' AND due_at <= ?", [_iso(now)]
        if channels is not None:
            if not channels:
                return []
            where += f" AND substr(user_key, 1, instr(user_key, ':') - 1) IN ({', '.join('?' * len(channels))})"
            args += channels
        cur = await self.db.conn.execute(
            "UPDATE reminders SET status = 'sending', attempts = attempts + 1, updated_at = ? "
            f"WHERE id IN (SELECT id FROM reminders WHERE {where} ORDER BY due_at, id LIMIT ?) "
            "RETURNING *",
            (_now(), *args, limit),
        )
        rows = [_reminder(r) for r in await cur.fetchall()]
        await cur.close()
        await self.db.conn.commit()
        return sorted(rows, key=lambda r: (r.due_at, r.id))

    async def finish(
        self, reminder_id: int, status: str, error: str | None = None, retry_at: datetime | None = None
    ) -> None:
        """``sent``/``failed``/``expired``/``cancelled``, or ``pending`` again at ``retry_at``."""
        if retry_at is not None:
            await self.db.conn.execute(
                "UPDATE reminders SET status = 'pending', due_at = ?, last_error = ?, updated_at = ? "
                "WHERE id = ? AND status = 'sending'",
                (_iso(retry_at), error, _now(), reminder_id),
            )
        else:
            await self.db.conn.execute(
                "UPDATE reminders SET status = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = 'sending'",
                (status, error, _now(), reminder_id),
            )
        await self.db.conn.commit()

    async def next_due(self) -> datetime | None:
        async with self.db.conn.execute("SELECT MIN(due_at) FROM reminders WHERE status = 'pending'") as cur:
            (value,) = await cur.fetchone()
        return datetime.fromisoformat(value) if value else None

    async def counts(self) -> dict[str, int]:
        async with self.db.conn.execute("SELECT status, COUNT(*) FROM reminders GROUP BY status") as cur:
            return {status: n for status, n in await cur.fetchall()}
