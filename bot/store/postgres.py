"""The PostgreSQL backend: an asyncpg connection that speaks what the stores speak.

Lives here: ``PostgresDatabase``, a ``Backend``: open, apply ``postgres_schema.MIGRATIONS``
under an advisory lock (several processes may start at once), hold a resident's turn across
processes and keep no conversation state between turns, lead a role, let several sender
processes share a broadcast (each alive while its advisory lock lasts, one send budget per
channel), close. Every such hold is a session advisory lock, so it ends with the process's
connection. And ``PostgresConnection``, the subset of aiosqlite's connection the stores use —
``execute`` (awaited or ``async with``, then ``fetchone``/``fetchall``/``rowcount``),
``executemany``, ``execute_fetchall``, ``commit``, ``rollback`` — over one asyncpg connection.
As with aiosqlite, statements run one at a time, and a write opens a transaction that lasts
until ``commit`` or ``rollback`` (a statement that fails rolls it back: PostgreSQL runs nothing
more in a failed transaction); the stores' ``?`` placeholders become ``$1, $2…``
(``numbered``). ``fetch`` (the resident's small reads) and ``grant`` use a pool of up to
``READERS`` other connections, so they see committed data only and never wait behind a write;
``listen`` has a connection of its own that only listens (``LISTEN``/``NOTIFY``: the triggers
of migration 8 tell every process of a broadcast's new status and of a saved shop edit).
Touches the PostgreSQL server only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

import asyncpg

from bot.delivery.backoff import Backoff
from bot.store.backend import Backend
from bot.store.postgres_schema import MIGRATIONS

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 0x6D61646F  # the advisory lock taken while migrating ("mado")
TURN_POLL = 0.005  # seconds between two asks for a resident's turn lock
TURN_WAIT = 5.0  # seconds a turn waits for another process's turn of the same resident
READERS = 4  # connections for the residents' small reads, side by side
RELISTEN = Backoff(base=0.5, cap=30.0)  # a lost listening connection opened again
_READS = ("SELECT", "WITH", "VALUES", "SHOW")


_HINT_RE = re.compile(r"\s+INDEXED BY \w+")


@lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """``sql`` for PostgreSQL: each ``?`` outside a quoted literal made ``$1``, ``$2``…, and
    SQLite's index hints (``INDEXED BY``) dropped — PostgreSQL's planner takes none."""
    pieces = _HINT_RE.sub("", sql).split("'")
    count = 0
    for i in range(0, len(pieces), 2):  # even pieces lie outside quotes
        out = []
        for part in re.split(r"(\?)", pieces[i]):
            if part == "?":
                count += 1
                part = f"${count}"
            out.append(part)
        pieces[i] = "".join(out)
    return "'".join(pieces)


def _is_read(sql: str) -> bool:
    return sql.lstrip()[:6].upper().startswith(_READS)


def _returns_rows(sql: str) -> bool:
    return _is_read(sql) or sql.lstrip()[:7].upper() == "EXPLAIN" or " RETURNING " in sql.upper()


def _rowcount(status: str) -> int:
    """asyncpg's command status ("UPDATE 3", "INSERT 0 1") → the rows it touched."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def _sender_lock(owner: str) -> str:
    return f"madoguchi:sender:{owner}"


class DatabaseUnreachable(ConnectionError):
    """No PostgreSQL server answers at the URL (refused, no such host or socket)."""


class PostgresCursor:
    """The result of one statement; awaitable, or an async context manager, like aiosqlite's."""

    def __init__(self, conn: PostgresConnection, sql: str, params: tuple | list):
        self._conn = conn
        self._sql = sql
        self._params = tuple(params)
        self._rows: list = []
        self._at = 0
        self.rowcount = -1

    async def _run(self) -> PostgresCursor:
        self._rows, self.rowcount = await self._conn.run(self._sql, self._params)
        return self

    def __await__(self):
        return self._run().__await__()

    async def __aenter__(self) -> PostgresCursor:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    async def close(self) -> None:
        self._rows, self._at = [], 0

    async def fetchall(self) -> list:
        rest, self._at = self._rows[self._at :], len(self._rows)
        return rest


class PostgresConnection:
    """One asyncpg connection used as the stores use an aiosqlite connection."""

    def __init__(self, raw: asyncpg.Connection):
        self.raw = raw
        self._lock = asyncio.Lock()  # one statement at a time, as on aiosqlite's thread
        self._tx: Any = None  # the transaction a write opened, until commit or rollback

    async def _begin_for(self, sql: str) -> None:
        if self._tx is None and not _is_read(sql):
            self._tx = self.raw.transaction()
            await self._tx.start()

    async def run(self, sql: str, params: tuple) -> tuple[list, int]:
        """Run one statement: its rows (if it returns any) and the rows it touched."""
        query = numbered(sql)
        async with self._lock:
            await self._begin_for(sql)
            try:
                if _returns_rows(sql):
                    rows = await self.raw.fetch(query, *params)
                    return rows, len(rows)
                return [], _rowcount(await self.raw.execute(query, *params))
            except BaseException:
                await self._abandon()
                raise

    async def _abandon(self) -> None:
        """A statement failed: PostgreSQL will run nothing more in its transaction (SQLite
        would undo the statement alone), so the whole transaction is rolled back."""
        tx, self._tx = self._tx, None
        if tx is not None and not self.raw.is_closed():
            try:
                await tx.rollback()
            except Exception:  # noqa: BLE001 - the statement's own error is the one to raise
                log.warning("could not roll back after a failed statement", exc_info=True)

    def execute(self, sql: str, params: tuple | list = ()) -> PostgresCursor:
        return PostgresCursor(self, sql, params)

    async def execute_fetchall(self, sql: str, params: tuple | list = ()) -> list:
        rows, _ = await self.run(sql, tuple(params))
        return rows

    async def executemany(self, sql: str, rows: Any) -> None:
        rows = [tuple(r) for r in rows]
        if not rows:
            return
        async with self._lock:
            await self._begin_for(sql)
            try:
                await self.raw.executemany(numbered(sql), rows)
            except BaseException:
                await self._abandon()
                raise

    async def commit(self) -> None:
        async with self._lock:
            tx, self._tx = self._tx, None
            if tx is not None:
                await tx.commit()

    async def rollback(self) -> None:
        async with self._lock:
            tx, self._tx = self._tx, None
            if tx is not None:
                await tx.rollback()


class PostgresDatabase(Backend):
    """A PostgreSQL database at a ``postgresql://`` URL, with the schema brought up to date."""

    kind = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"  # a row another sender is claiming is left to it
    shared_sending = True
    caches_states = False  # another process may have changed a state: read it at every turn

    def __init__(self, url: str):
        super().__init__(url)
        self._conn: PostgresConnection | None = None
        self._reader: asyncpg.Pool | None = None
        self._leading: set[str] = set()  # roles whose advisory lock this process holds
        self._present: Counter[str] = Counter()  # sender name → runs here holding its advisory lock
        self._listener: asyncpg.Connection | None = None  # LISTENs, runs nothing else
        self._relistening: asyncio.Task | None = None  # after the listener was lost

    async def _connect(self) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(self.path)
        except OSError as exc:  # no server there (refused, no such socket): not one of our own OSErrors
            raise DatabaseUnreachable(str(exc)) from exc

    async def open(self) -> PostgresDatabase:
        raw = await self._connect()
        self._conn = PostgresConnection(raw)
        try:
            await self._migrate(raw)
            self._reader = await asyncpg.create_pool(self.path, min_size=1, max_size=READERS)
        except BaseException:
            await self._shut()
            raise
        return self

    async def others_wrote(self) -> bool:
        return False  # states are not kept between turns (``caches_states``)

    tells = True

    async def _hear(self, topic: str) -> None:
        """``LISTEN madoguchi_<topic>`` on the listening connection (opened at the first
        topic). Should that connection be lost, it is opened again (``_listen_again``)."""
        if self._listener is None:
            self._listener = await self._connect()
            self._listener.add_termination_listener(self._lost)
        await self._listener.add_listener(
            f"madoguchi_{topic}", lambda _c, _pid, _ch, payload: self.told(topic, payload)
        )

    def _lost(self, conn: asyncpg.Connection) -> None:
        if conn is not self._listener:  # closed by ``close``
            return
        log.warning("the database's change notices are lost: listening again (polling meanwhile)")
        self._listener = None
        self._relistening = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self, backoff: Backoff = RELISTEN) -> None:
        """Every topic heard before, on a new listening connection, tried with ``backoff``
        until the database is closed; then each topic's hearers are told ``""`` — a change
        may have been missed meanwhile: look again."""
        retry = 0
        while self.is_open:
            try:
                for topic in sorted(self._heard):
                    await self._hear(topic)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):  # unreachable is an OSError
                if self._listener is not None:  # half listening: start afresh
                    listener, self._listener = self._listener, None
                    listener.terminate()
                retry += 1
                await backoff.sleep(backoff.delay(retry))
                continue
            log.info("the database's change notices are heard again")
            for topic in sorted(self._heard):
                self.told(topic, "")
            return

    # -- session advisory locks, named ----------------------------------------------------

    async def _try_lock(self, name: str) -> bool:
        rows, _ = await self.conn.run("SELECT pg_try_advisory_lock(hashtext(?))", (name,))
        return bool(rows[0][0])

    async def _unlock(self, name: str) -> None:
        await self.conn.run("SELECT pg_advisory_unlock(hashtext(?))", (name,))

    @property
    def _pool(self) -> asyncpg.Pool:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    # -- several senders of one broadcast ------------------------------------------------

    async def present(self, owner: str) -> None:
        """The sender's lock, held while this process's connection lives (a killed process's
        lock goes with its connection) or until every run of that sender here has ended
        (``absent``)."""
        if not self._present[owner] and not await self._try_lock(_sender_lock(owner)):
            raise RuntimeError(f"another process uses the sender name {owner}")
        self._present[owner] += 1

    async def absent(self, owner: str) -> None:
        self._present[owner] -= 1
        if self._present[owner] <= 0:
            del self._present[owner]
            await self._unlock(_sender_lock(owner))

    async def alive(self, owner: str) -> bool:
        if self._present[owner]:
            return True
        if not await self._try_lock(_sender_lock(owner)):
            return True  # its process still holds it
        await self._unlock(_sender_lock(owner))
        return False

    async def grant(self, channel: str, capacity: int, window: float, now: float) -> float:
        """``madoguchi_grant`` (migration 7) on a pooled connection, outside any open
        transaction, so its row is seen by every other sender at once."""
        sql = "SELECT madoguchi_grant($1, $2, $3, $4)"
        return float(await self._pool.fetchval(sql, channel, capacity, window, now))

    # -- a resident's turns, a leader's role ---------------------------------------------

    @contextlib.asynccontextmanager
    async def resident_turn(self, user_key: str) -> AsyncIterator[None]:
        """The resident's lock, asked for until it is free (a turn elsewhere ends within
        moments; after ``TURN_WAIT`` seconds this turn goes ahead without it, logged)."""
        name = f"madoguchi:turn:{user_key}"
        held = await self._wait_for(name, TURN_WAIT)
        if not held:
            log.warning("a turn of the same resident in another process is taking long: going ahead")
        try:
            yield
        finally:
            if held:
                await self._unlock(name)

    async def _wait_for(self, name: str, seconds: float) -> bool:
        """Whether the lock ``name`` was taken within ``seconds``, asked every ``TURN_POLL``."""
        waited = 0.0
        while not await self._try_lock(name):
            if waited >= seconds:
                return False
            await asyncio.sleep(TURN_POLL)
            waited += TURN_POLL
        return True

    async def lead(self, role: str) -> bool:
        """The role's lock: held until this process's connection ends, so when the leader dies
        (its connection closes) the next process that asks takes over."""
        if role not in self._leading and await self._try_lock(f"madoguchi:{role}"):
            self._leading.add(role)
        return role in self._leading

    async def fetch(self, sql: str, params: tuple | list = ()) -> list:
        return await self._pool.fetch(numbered(sql), *params)

    async def _migrate(self, raw: asyncpg.Connection) -> None:
        async with raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = await raw.fetchval("SELECT max(version) FROM schema_version") or 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await raw.execute(script)
                await raw.execute("INSERT INTO schema_version (version) VALUES ($1)", number)

    async def _shut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()
        if self._relistening is not None:
            self._relistening.cancel()
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._conn is not None and not self._conn.raw.is_closed():
            await self._conn.raw.close()
        self._conn = None
