"""What every database engine gives the stores, and how a process picks one.

Lives here: ``Backend`` — the part of an open database the stores see (``conn``, a
connection that speaks the subset of aiosqlite's the stores use; ``fetch``, a small read;
``others_wrote``, whether another process has changed the conversation states since the last
look; ``lead``, whether this process holds a role only one process may hold; ``present``,
``alive`` and ``grant``, for several processes sending one broadcast (``shared_sending``);
``resident_turn``, one turn of a resident at a time across processes (``caches_states``);
``listen``, a change any process makes told to this one at once; ``settle`` and ``close``), with the closing hooks both engines share; ``open_database``, which picks SQLite for a file path
and PostgreSQL for a ``postgresql://`` URL; ``shown``, a target safe to print (no password);
``database_errors``, what opening or using either engine may raise. Touches no database itself.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(target: str) -> bool:
    return target.startswith(POSTGRES_SCHEMES)


def shown(target: str) -> str:
    """``target`` with any password replaced by ``***`` (for messages and logs)."""
    if not is_postgres(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def database_errors() -> tuple[type[BaseException], ...]:
    """What opening or using a database may raise (for an ``except`` clause; asyncpg's
    errors only once it is loaded, so a SQLite process never loads it)."""
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:
        return (sqlite3.Error,)
    from bot.store.postgres import DatabaseUnreachable

    return (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError, DatabaseUnreachable)


# What ``listen`` may be told of, and its payload (PostgreSQL's triggers send them: migration 8).
TOPICS = {
    "broadcast": "a broadcast's status changed (paused, cancelled, …): its id",
    "shops": "a shop-listing edit was saved: its id in shop_edits",
}


class Backend:
    """An open database (or one about to be opened) as the stores see it."""

    kind = ""
    skip_locked = ""  # ends a SELECT whose rows several processes claim at once

    def __init__(self, path: str):
        self.path = path
        self._conn: Any = None  # the engine's connection, while open
        # Coroutines run before closing (stores that gather writes flush here).
        self.before_close: list = []
        self._hearers: dict[str, set[Callable[[str], Any]]] = {}  # topic → who listens here
        self._heard: set[str] = set()  # topics the engine sends here

    @property
    def conn(self) -> Any:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def open(self) -> Backend:
        raise NotImplementedError

    async def fetch(self, sql: str, params: tuple | list = ()) -> list:
        """The rows of a small read (an indexed query with a LIMIT) of committed data."""
        raise NotImplementedError

    async def others_wrote(self) -> bool:
        """Whether another process may have changed conversation states since the last call."""
        raise NotImplementedError

    # -- several processes sending one broadcast ------------------------------------------

    shared_sending = False  # may several processes send one broadcast at once (else: a lease)

    async def present(self, owner: str) -> None:
        """Make ``owner`` (a sender's name) known to be alive while one of its runs lasts."""

    async def absent(self, owner: str) -> None:
        """One run of ``owner`` has ended (what it left in flight is a stopped run's)."""

    async def alive(self, owner: str) -> bool:
        """Whether the sender ``owner`` still runs (only asked when ``shared_sending``)."""
        return True

    async def grant(self, channel: str, capacity: int, window: float, now: float) -> float:
        """One send on ``channel`` at wall time ``now`` out of a budget every process shares
        (``capacity`` in any ``window`` seconds): 0 when granted, else the seconds to wait
        before asking again. A lone sender (SQLite's lease) needs none beyond its own limiter."""
        return 0.0

    # -- one resident's turns, one at a time across processes ------------------------------

    caches_states = True  # may a process keep conversation states in memory between turns

    def resident_turn(self, user_key: str) -> AbstractAsyncContextManager:
        """Held while a turn of ``user_key`` runs, so no other process runs one of the same
        resident at the same time (within a process the channels keep a resident's turns in
        order). On SQLite (one machine) there is nothing to hold."""
        return contextlib.nullcontext()

    async def lead(self, role: str) -> bool:
        """Whether this process is the one doing ``role`` ("scheduler") now. On SQLite every
        process may (one machine; a broadcast's lease keeps it to one sender at a time)."""
        return True

    # -- changes told to every process ----------------------------------------------------

    tells = False  # does the engine tell every process of a change at once (else: polling)

    async def listen(self, topic: str, heard: Callable[[str], Any]) -> Callable[[], None]:
        """From now on call ``heard(payload)`` on this loop whenever any process (this one
        too) commits a change of ``topic`` (``TOPICS`` says which); returns what stops it.
        An empty payload says changes may have been missed (the notices were lost a while):
        look again.
        Where the engine tells nothing (``tells`` False: SQLite, one machine), or its
        notices cannot be had (logged; the next call tries again), nothing is heard and the
        callers' own polling sees every change, only later."""
        if topic not in TOPICS:
            raise ValueError(f"no such topic: {topic}")
        hearers = self._hearers.setdefault(topic, set())
        if self.tells and topic not in self._heard:
            try:
                await self._hear(topic)
                self._heard.add(topic)
            except (*database_errors(), OSError):
                log.warning("cannot listen to changes of %s: they are seen by polling only", topic, exc_info=True)
        hearers.add(heard)
        return lambda: hearers.discard(heard)

    async def _hear(self, topic: str) -> None:
        """Start receiving ``topic``'s notices, each handed to ``told`` (engines that tell)."""
        raise NotImplementedError

    def told(self, topic: str, payload: str) -> None:
        """A notice of ``topic`` arrived: every hearer gets it (one's fault silences no other)."""
        for heard in list(self._hearers.get(topic, ())):
            try:
                heard(payload)
            except Exception:  # noqa: BLE001
                log.exception("a listener of %s failed", topic)

    async def _shut(self) -> None:
        raise NotImplementedError

    async def settle(self) -> None:
        """Every write the stores hold back (``before_close``) made now: before a read
        that must see them, and before closing. A store that fails is logged, not raised."""
        for hook in list(self.before_close):
            if self.is_open:
                try:
                    await hook()
                except Exception:  # noqa: BLE001 - the others and closing must go on
                    log.exception("a store could not write what it held back")

    async def close(self) -> None:
        await self.settle()
        await self._shut()

    async def __aenter__(self) -> Backend:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def open_database(target: str) -> Backend:
    """The database at ``target``, not yet open: PostgreSQL for a URL, else a SQLite file."""
    if is_postgres(target):
        from bot.store.postgres import PostgresDatabase

        return PostgresDatabase(target)
    from bot.store.database import Database

    return Database(target)
