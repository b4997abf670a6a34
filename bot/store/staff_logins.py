"""Staff passwords and failed logins in the database: what the web console's login checks.

Lives here: ``StaffLogins`` — the Argon2 hash of each member's password (never the
password; the staff file holds no secret), and the count of failed logins with the time a
member is locked until (``LOCK_AFTER`` failures in a row lock for ``LOCK_SECONDS``).
Hashing and checking are ``bot.web.auth``'s; only SQL here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.backend import Backend

LOCK_AFTER = 5
LOCK_SECONDS = 15 * 60


class StaffLogins:
    def __init__(self, db: Backend):
        self.db = db

    async def set_hash(self, member: str, hashed: str) -> None:
        await self.db.conn.execute(
            "INSERT INTO staff_passwords (member, hash, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (member) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
            (member, hashed, datetime.now(UTC).isoformat(timespec="seconds")),
        )
        await self.db.conn.execute("DELETE FROM staff_logins WHERE member = ?", (member,))
        await self.db.conn.commit()

    async def hash_of(self, member: str) -> str | None:
        async with self.db.conn.execute("SELECT hash FROM staff_passwords WHERE member = ?", (member,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def locked_until(self, member: str, now: float) -> float | None:
        """When the member's lock ends (None: not locked now)."""
        async with self.db.conn.execute("SELECT locked_until FROM staff_logins WHERE member = ?", (member,)) as cur:
            row = await cur.fetchone()
        if row is None or row[0] is None or row[0] <= now:
            return None
        return row[0]

    async def failed(self, member: str, now: float) -> int:
        """Count one failed login; the failures in a row (a lock starts at ``LOCK_AFTER``)."""
        async with self.db.conn.execute(
            "SELECT failures, locked_until FROM staff_logins WHERE member = ?", (member,)
        ) as cur:
            row = await cur.fetchone()
        failures = 1 if row is None or (row[1] is not None and row[1] <= now) else row[0] + 1
        locked = now + LOCK_SECONDS if failures >= LOCK_AFTER else None
        await self.db.conn.execute(
            "INSERT INTO staff_logins (member, failures, locked_until) VALUES (?, ?, ?) "
            "ON CONFLICT (member) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
            (member, failures, locked),
        )
        await self.db.conn.commit()
        return failures

    async def succeeded(self, member: str) -> None:
        await self.db.conn.execute("DELETE FROM staff_logins WHERE member = ?", (member,))
        await self.db.conn.commit()
