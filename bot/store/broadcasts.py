"""Broadcasts and their deliveries in the database: the state a broadcast resumes from.

Lives here: ``BroadcastStore`` and ``BroadcastRow``. A broadcast is ``scheduled`` (to
start at ``send_at``) or ``ready``; ``start`` fixes its recipients — the subscribers
of the municipality who have not blocked the bot, one ``deliveries`` row each — and
makes it ``sending``; a run stopped on purpose leaves it ``paused``; it ends ``done``
(or ``cancelled`` before it starts).

A delivery is ``pending`` → ``in_flight`` (claimed by a running sender, committed
*before* the message goes out) → ``sent`` / ``failed`` / ``blocked``, or back to
``pending`` with ``next_at`` for a retry. After a crash the rows still ``in_flight``
are exactly the messages that may or may not have gone out; ``recover_in_flight``
makes them ``pending`` again, so nothing is lost and only they can arrive twice.

A lease (``owner``, ``heartbeat``) keeps two processes from sending the same
broadcast at once. Only SQL here; no channel and no timing logic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store.backend import Backend

STATUSES = ("pending", "in_flight", "sent", "failed", "blocked")
FINAL = ("sent", "failed", "blocked")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else None


def channel_of(user_key: str) -> str:
    """``telegram:42`` → ``telegram`` (the part before the first colon)."""
    return user_key.partition(":")[0]


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    created_at: str
    created_by: str
    municipality: str
    kind: str  # text | digest
    text: str
    channels: tuple[str, ...] | None  # None: every channel
    status: str  # scheduled | ready | sending | paused | done | cancelled
    send_at: datetime | None
    started_at: str | None
    finished_at: str | None
    owner: str | None
    heartbeat: float | None


def _row(r) -> BroadcastRow:
    channels = tuple(c for c in (r["channels"] or "").split(",") if c) or None
    send_at = datetime.fromisoformat(r["send_at"]) if r["send_at"] else None
    return BroadcastRow(
        r["id"],
        r["created_at"],
        r["created_by"],
        r["municipality"],
        r["kind"],
        r["text"],
        channels,
        r["status"],
        send_at,
        r["started_at"],
        r["finished_at"],
        r["owner"],
        r["heartbeat"],
    )


class BroadcastStore:
    def __init__(self, db: Backend):
        self.db = db

    # -- broadcasts ---------------------------------------------------------------------

    async def create(
        self,
        actor: str,
        municipality: str,
        kind: str,
        text: str,
        channels: Iterable[str] | None = None,
        send_at: datetime | None = None,
    ) -> int:
        chans = "," + ",".join(sorted(set(channels))) + "," if channels else None
        ((new_id,),) = await self.db.conn.execute_fetchall(
            "INSERT INTO broadcasts (created_at, created_by, municipality, kind, text, channels, status, send_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (_now(), actor, municipality, kind, text, chans, "scheduled" if send_at else "ready", _iso(send_at)),
        )
        await self.db.conn.commit()
        return new_id

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        async with self.db.conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)) as cur:
            row = await cur.fetchone()
        return _row(row) if row else None

    async def list(self, limit: int = 20, statuses: Iterable[str] | None = None) -> list[BroadcastRow]:
        sql, args = "SELECT * FROM broadcasts", []
        if statuses:
            statuses = list(statuses)
            sql += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            args += statuses
        async with self.db.conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def due(self, now: datetime) -> list[BroadcastRow]:
        """Scheduled broadcasts whose time has come, oldest first."""
        async with self.db.conn.execute(
            "SELECT * FROM broadcasts WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at, id", (_iso(now),)
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def unfinished(self) -> list[BroadcastRow]:
        async with self.db.conn.execute("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id") as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def cancel(self, broadcast_id: int) -> bool:
        """Cancel a broadcast that has not started or is paused (what it had sent stays sent;
        the rest is never sent); False when it is sending, done (or does not exist)."""
        cur = await self.db.conn.execute(
            "UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE id = ? "
            "AND status IN ('scheduled', 'ready', 'paused')",
            (_now(), broadcast_id),
        )
        await self.db.conn.commit()
        return cur.rowcount == 1

    async def start(self, broadcast_id: int, unsendable: Callable[[str], str | None] | None = None) -> int:
        """Fix the recipients and mark the broadcast ``sending`` (one transaction); how many.

        ``unsendable(channel)`` may name why a channel cannot deliver now: its recipients
        are recorded ``failed`` with that reason straight away (``resume --retry-failed``
        sends them later). A broadcast already started is left alone (returns its count)."""
        conn = self.db.conn
        row = await self.get(broadcast_id)
        if row is None:
            raise KeyError(broadcast_id)
        if row.status not in ("scheduled", "ready"):
            return await self.total(broadcast_id)
        sql = (
            "INSERT INTO deliveries (broadcast_id, user_key, channel, status, updated_at) "
            "SELECT CAST(? AS INTEGER), s.user_key, substr(s.user_key, 1, instr(s.user_key, ':') - 1), 'pending', "
            "CAST(? AS TEXT) "
            "FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
            "WHERE s.municipality = ? AND COALESCE(r.blocked, 0) = 0 AND instr(s.user_key, ':') > 1"
        )
        args: list = [broadcast_id, _now(), row.municipality]
        if row.channels:
            sql += f" AND substr(s.user_key, 1, instr(s.user_key, ':') - 1) IN ({', '.join('?' * len(row.channels))})"
            args += list(row.channels)
        sql += " ON CONFLICT DO NOTHING"
        try:
            await conn.execute(sql, args)
            if unsendable is not None:
                async with conn.execute(
                    "SELECT DISTINCT channel FROM deliveries WHERE broadcast_id = ?", (broadcast_id,)
                ) as cur:
                    channels = [r[0] for r in await cur.fetchall()]
                for channel in channels:
                    reason = unsendable(channel)
                    if reason:
                        await conn.execute(
                            "UPDATE deliveries SET status = 'failed', last_error = ? WHERE broadcast_id = ? AND channel = ?",
                            (reason, broadcast_id, channel),
                        )
            await conn.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ? WHERE id = ?", (_now(), broadcast_id)
            )
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        return await self.total(broadcast_id)

    async def finish(self, broadcast_id: int) -> None:
        await self.db.conn.execute(
            "UPDATE broadcasts SET status = 'done', finished_at = ?, owner = NULL WHERE id = ?", (_now(), broadcast_id)
        )
        await self.db.conn.commit()

    async def pause(self, broadcast_id: int) -> None:
        """A run stopped on purpose: ``paused`` until staff resume it (a scheduler does not)."""
        await self.db.conn.execute(
            "UPDATE broadcasts SET status = 'paused' WHERE id = ? AND status = 'sending'", (broadcast_id,)
        )
        await self.db.conn.commit()

    async def halt_sending(self) -> list[int]:
        """Every broadcast being sent, by any process, marked ``paused`` (each run sees it and
        stops: the emergency stop); their ids."""
        rows = await self.db.conn.execute_fetchall(
            "UPDATE broadcasts SET status = 'paused' WHERE status = 'sending' RETURNING id"
        )
        await self.db.conn.commit()
        return sorted(r[0] for r in rows)

    async def unpause(self, broadcast_id: int) -> None:
        await self.db.conn.execute(
            "UPDATE broadcasts SET status = 'sending' WHERE id = ? AND status = 'paused'", (broadcast_id,)
        )
        await self.db.conn.commit()

    async def reopen(self, broadcast_id: int) -> None:
        """A finished broadcast goes back to ``sending`` (to retry its failed deliveries)."""
        await self.db.conn.execute(
            "UPDATE broadcasts SET status = 'sending', finished_at = NULL WHERE id = ? AND status = 'done'",
            (broadcast_id,),
        )
        await self.db.conn.commit()

    async def audience(self, municipality: str, channels: Iterable[str] | None = None) -> dict[str, int]:
        """How many would receive a broadcast to ``municipality`` now, per channel (for the preview;
        the recipients are fixed only when it starts)."""
        async with self.db.conn.execute(
            "SELECT substr(s.user_key, 1, instr(s.user_key, ':') - 1) AS channel, COUNT(*) "
            "FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
            "WHERE s.municipality = ? AND COALESCE(r.blocked, 0) = 0 AND instr(s.user_key, ':') > 1 "
            "GROUP BY channel ORDER BY channel",
            (municipality,),
        ) as cur:
            counts = {c: n for c, n in await cur.fetchall()}
        if channels:
            wanted = set(channels)
            counts = {c: n for c, n in counts.items() if c in wanted}
        return counts

    # -- the lease ----------------------------------------------------------------------

    async def acquire(
        self, broadcast_id: int, owner: str, now: float, ttl: float, dead: Callable[[str], bool] = lambda o: False
    ) -> str | None:
        """Take the broadcast for ``owner``; None when taken, else the previous owner ("" if none).

        The lease is free when nobody holds it, when its heartbeat is older than ``ttl``
        seconds, or when ``dead(previous_owner)`` says that process is gone."""
        conn = self.db.conn
        async with conn.execute("SELECT owner, heartbeat FROM broadcasts WHERE id = ?", (broadcast_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise KeyError(broadcast_id)
        previous, beat = row["owner"], row["heartbeat"]
        free = previous is None or previous == owner or beat is None or now - beat > ttl or dead(previous)
        if not free:
            return None
        cur = await conn.execute(
            "UPDATE broadcasts SET owner = ?, heartbeat = ? WHERE id = ? AND owner IS NOT DISTINCT FROM ?",
            (owner, now, broadcast_id, previous),
        )
        await conn.commit()
        return (previous or "") if cur.rowcount == 1 else None

    async def heartbeat(self, broadcast_id: int, owner: str, now: float) -> None:
        await self.db.conn.execute(
            "UPDATE broadcasts SET heartbeat = ? WHERE id = ? AND owner = ?", (now, broadcast_id, owner)
        )
        await self.db.conn.commit()

    async def release(self, broadcast_id: int, owner: str) -> None:
        await self.db.conn.execute(
            "UPDATE broadcasts SET owner = NULL, heartbeat = NULL WHERE id = ? AND owner = ?", (broadcast_id, owner)
        )
        await self.db.conn.commit()

    # -- deliveries ---------------------------------------------------------------------

    async def recover_in_flight(
        self, broadcast_id: int, alive: Callable[[str], Awaitable[bool]] | None = None
    ) -> list[str]:
        """Deliveries a stopped run left ``in_flight`` become ``pending``; their keys. With
        ``alive`` (several senders at once), only those claimed by a sender that is gone."""
        async with self.db.conn.execute(
            "SELECT user_key, claimed_by FROM deliveries WHERE broadcast_id = ? AND status = 'in_flight'",
            (broadcast_id,),
        ) as cur:
            rows = [(r[0], r[1]) for r in await cur.fetchall()]
        owners = {owner for _, owner in rows}
        gone = [o for o in owners if alive is None or not (o and await alive(o))]
        keys = [key for key, owner in rows if owner in gone]
        for owner in gone:  # two senders taking over at once skip each other's rows
            await self.db.conn.execute(
                "UPDATE deliveries SET status = 'pending', next_at = 0, "
                "last_error = COALESCE(last_error, 'in flight when the sender stopped') "
                "WHERE (broadcast_id, user_key) IN (SELECT broadcast_id, user_key FROM deliveries "
                "WHERE broadcast_id = ? AND status = 'in_flight' AND claimed_by IS NOT DISTINCT FROM ?"
                f"{self.db.skip_locked})",
                (broadcast_id, owner),
            )
        if gone:
            await self.db.conn.commit()
        return keys

    async def retry_failed(self, broadcast_id: int) -> int:
        cur = await self.db.conn.execute(
            "UPDATE deliveries SET status = 'pending', next_at = 0, attempts = 0 WHERE broadcast_id = ? AND status = 'failed'",
            (broadcast_id,),
        )
        await self.db.conn.commit()
        return cur.rowcount

    async def claim(
        self, broadcast_id: int, channel: str, limit: int, now: float, owner: str | None = None
    ) -> list[tuple[str, int]]:
        """Up to ``limit`` pending deliveries of ``channel`` that may go now, marked
        ``in_flight`` by ``owner`` (committed before returning); ``(user_key, attempt number)``.
        Rows another sender is claiming at that moment are left to it (``skip_locked``)."""
        found = await self.db.conn.execute_fetchall(
            "UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, updated_at = ?, claimed_by = ? "
            "WHERE (broadcast_id, user_key) IN (SELECT broadcast_id, user_key FROM deliveries "
            "WHERE broadcast_id = ? AND channel = ? AND status = 'pending' AND next_at <= ? "
            f"ORDER BY next_at LIMIT ?{self.db.skip_locked}) "
            "RETURNING user_key, attempts",
            (_now(), owner, broadcast_id, channel, now, limit),
        )
        rows = [(r[0], r[1]) for r in found]
        await self.db.conn.commit()
        rows.sort()
        return rows

    async def unclaim(self, broadcast_id: int, keys: list[str]) -> None:
        """Claimed deliveries that were never handed to the sender go back, uncounted."""
        await self.db.conn.executemany(
            "UPDATE deliveries SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
            "WHERE broadcast_id = ? AND user_key = ? AND status = 'in_flight'",
            [(broadcast_id, k) for k in keys],
        )
        await self.db.conn.commit()

    async def record(self, broadcast_id: int, outcomes: list[tuple[str, str, str | None, float]]) -> None:
        """``(user_key, status, error, next_at)`` for each delivery a sender answered for;
        status ``pending`` is a retry at ``next_at``. One transaction."""
        now = _now()
        await self.db.conn.executemany(
            "UPDATE deliveries SET status = ?, last_error = ?, next_at = ?, updated_at = ? "
            "WHERE broadcast_id = ? AND user_key = ? AND status = 'in_flight'",
            [(status, error, next_at, now, broadcast_id, key) for key, status, error, next_at in outcomes],
        )
        await self.db.conn.commit()

    async def next_retry_at(self, broadcast_id: int, channel: str) -> float | None:
        """When the earliest pending delivery of ``channel`` may go (None: none pending)."""
        async with self.db.conn.execute(
            "SELECT MIN(next_at) FROM deliveries WHERE broadcast_id = ? AND channel = ? AND status = 'pending'",
            (broadcast_id, channel),
        ) as cur:
            (value,) = await cur.fetchone()
        return value

    async def channels(self, broadcast_id: int, statuses: Iterable[str] = ("pending", "in_flight")) -> list[str]:
        statuses = list(statuses)
        async with self.db.conn.execute(
            f"SELECT DISTINCT channel FROM deliveries WHERE broadcast_id = ? AND status IN ({', '.join('?' * len(statuses))}) "
            "ORDER BY channel",
            (broadcast_id, *statuses),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def fail_channel(self, broadcast_id: int, channel: str, reason: str) -> int:
        cur = await self.db.conn.execute(
            "UPDATE deliveries SET status = 'failed', last_error = ? WHERE broadcast_id = ? AND channel = ? "
            "AND status IN ('pending', 'in_flight')",
            (reason, broadcast_id, channel),
        )
        await self.db.conn.commit()
        return cur.rowcount

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        async with self.db.conn.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status", (broadcast_id,)
        ) as cur:
            for status, n in await cur.fetchall():
                out[status] = n
        return out

    async def total(self, broadcast_id: int) -> int:
        return sum((await self.counts(broadcast_id)).values())

    async def deliveries(self, broadcast_id: int, status: str | None = None, limit: int = 1000) -> list[dict]:
        sql = "SELECT user_key, channel, status, attempts, last_error FROM deliveries WHERE broadcast_id = ?"
        args: list = [broadcast_id]
        if status:
            sql += " AND status = ?"
            args.append(status)
        async with self.db.conn.execute(sql + " ORDER BY user_key LIMIT ?", (*args, limit)) as cur:
            return [dict(r) for r in await cur.fetchall()]

    async def errors(self, broadcast_id: int, limit: int = 5) -> list[tuple[str, int]]:
        """The most frequent last errors of failed deliveries, with their counts."""
        async with self.db.conn.execute(
            "SELECT last_error, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? AND status = 'failed' "
            "GROUP BY last_error ORDER BY n DESC LIMIT ?",
            (broadcast_id, limit),
        ) as cur:
            return [(r[0] or "?", r[1]) for r in await cur.fetchall()]
