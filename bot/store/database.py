"""The SQLite connection and its schema migrations.

Lives here: ``Database`` (open with WAL, apply migrations in order, close), SQLite's
``Backend`` (``bot.store.backend``; PostgreSQL's is ``bot.store.postgres``), and the
list of migrations. Writes and long reads go through the aiosqlite connection (its own
thread); the small indexed reads of a resident's turn go through ``read``, a second,
read-only connection used on the event loop's thread: a thread hop costs more than
such a query, and under load the hops queue behind each other. Later features add a migration at the end of ``MIGRATIONS``;
``PRAGMA user_version`` records how far a database file has come.
"""

from __future__ import annotations

import sqlite3
import time

import aiosqlite

from bot.store.backend import Backend
from bot.store.write_behind import DELAY

MIGRATIONS: list[str] = [
    # 1: conversations and classes
    """
    CREATE TABLE conversations (
        user_key   TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE classes (
        id               INTEGER PRIMARY KEY,
        natural_key      TEXT NOT NULL UNIQUE,
        prefecture       TEXT NOT NULL,
        municipality     TEXT NOT NULL,
        venue            TEXT NOT NULL,
        phone            TEXT NOT NULL,
        address          TEXT NOT NULL,
        shop_id          TEXT,
        carrier          TEXT,
        day              TEXT NOT NULL,
        start            TEXT NOT NULL,
        "end"            TEXT,
        level            TEXT NOT NULL,
        title            TEXT NOT NULL,
        topics           TEXT NOT NULL DEFAULT ',',
        capacity         INTEGER,
        seats_left       INTEGER,
        booking_required INTEGER NOT NULL DEFAULT 1,
        bring            TEXT,
        sample           INTEGER NOT NULL DEFAULT 0,
        updated_at       TEXT NOT NULL
    );
    CREATE INDEX classes_city_day ON classes (municipality, day, start);
    CREATE INDEX classes_day ON classes (day, start);
    """,
    # 2: residents (blocked or not), class-news subscriptions, staff audit log
    """
    CREATE TABLE residents (
        user_key   TEXT PRIMARY KEY,
        blocked    INTEGER NOT NULL DEFAULT 0,
        blocked_at TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE subscriptions (
        user_key     TEXT NOT NULL,
        municipality TEXT NOT NULL,
        level        TEXT,
        topic        TEXT,
        created_at   TEXT NOT NULL,
        PRIMARY KEY (user_key, municipality)
    );
    CREATE INDEX subscriptions_city ON subscriptions (municipality);
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT,
        outcome TEXT NOT NULL
    );
    """,
    # 3: webhook events a channel has already handled (LINE webhookEventId), so a
    # redelivered event is handled once, also after a restart
    """
    CREATE TABLE seen_events (
        channel  TEXT NOT NULL,
        event_id TEXT NOT NULL,
        seen_at  TEXT NOT NULL,
        PRIMARY KEY (channel, event_id)
    );
    CREATE INDEX seen_events_at ON seen_events (seen_at);
    """,
    # 4: staff side — broadcasts and every delivery of them (recipients fixed at the start,
    # status per recipient, so a killed run resumes), class reminders, the messages the bot
    # could not answer (no user identity: text, language, count, first and last day only).
    # Triggers: removing a class cancels its reminders; forgetting a resident (the rows
    # ``ResidentStore.forget`` deletes) deletes their reminders and delivery records too.
    """
    CREATE TABLE broadcasts (
        id           INTEGER PRIMARY KEY,
        created_at   TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        municipality TEXT NOT NULL,
        kind         TEXT NOT NULL,
        text         TEXT NOT NULL,
        channels     TEXT,
        status       TEXT NOT NULL,
        send_at      TEXT,
        started_at   TEXT,
        finished_at  TEXT,
        owner        TEXT,
        heartbeat    REAL
    );
    CREATE INDEX broadcasts_status ON broadcasts (status, send_at);
    CREATE TABLE deliveries (
        broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
        user_key     TEXT NOT NULL,
        channel      TEXT NOT NULL,
        status       TEXT NOT NULL DEFAULT 'pending',
        attempts     INTEGER NOT NULL DEFAULT 0,
        last_error   TEXT,
        next_at      REAL NOT NULL DEFAULT 0,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (broadcast_id, user_key)
    );
    CREATE INDEX deliveries_todo ON deliveries (broadcast_id, channel, status, next_at);
    CREATE INDEX deliveries_user ON deliveries (user_key);
    CREATE TABLE reminders (
        id         INTEGER PRIMARY KEY,
        user_key   TEXT NOT NULL,
        class_id   INTEGER NOT NULL,
        due_at     TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (user_key, class_id)
    );
    CREATE INDEX reminders_due ON reminders (status, due_at);
    CREATE INDEX reminders_class ON reminders (class_id);
    CREATE TABLE unanswered (
        text      TEXT NOT NULL,
        lang      TEXT NOT NULL,
        count     INTEGER NOT NULL,
        first_day TEXT NOT NULL,
        last_day  TEXT NOT NULL,
        PRIMARY KEY (text, lang)
    );
    CREATE INDEX unanswered_last ON unanswered (last_day);
    CREATE TRIGGER classes_removed AFTER DELETE ON classes BEGIN
        UPDATE reminders SET status = 'cancelled', last_error = 'class removed',
            updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
        WHERE class_id = OLD.id AND status IN ('pending', 'sending');
    END;
    CREATE TRIGGER forget_conversation AFTER DELETE ON conversations BEGIN
        DELETE FROM reminders WHERE user_key = OLD.user_key;
        DELETE FROM deliveries WHERE user_key = OLD.user_key;
    END;
    CREATE TRIGGER forget_resident AFTER DELETE ON residents BEGIN
        DELETE FROM reminders WHERE user_key = OLD.user_key;
        DELETE FROM deliveries WHERE user_key = OLD.user_key;
    END;
    """,
    # 5: web console: staff passwords (Argon2 hashes), failed logins and lockouts, sessions,
    # the shop listing's edit history, staff marks on unanswered messages
    """
    CREATE TABLE staff_passwords (
        member     TEXT PRIMARY KEY,
        hash       TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE staff_logins (
        member       TEXT PRIMARY KEY,
        failures     INTEGER NOT NULL DEFAULT 0,
        locked_until REAL
    );
    CREATE TABLE web_sessions (
        token_hash TEXT PRIMARY KEY,
        member     TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_seen  REAL NOT NULL
    );
    CREATE TABLE shop_edits (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        actor    TEXT NOT NULL,
        summary  TEXT NOT NULL,
        before   TEXT NOT NULL,
        after    TEXT NOT NULL,
        reverts  INTEGER
    );
    CREATE TABLE unanswered_marks (
        text  TEXT NOT NULL,
        lang  TEXT NOT NULL,
        mark  TEXT NOT NULL,
        actor TEXT NOT NULL,
        at    TEXT NOT NULL,
        PRIMARY KEY (text, lang)
    );
    CREATE INDEX audit_actor ON audit (actor, id);
    CREATE INDEX audit_at ON audit (at);
    """,
    # 6: the resident's class search answered by indexes with a bound on rows read
    # (bot/store/classes.py): per municipality and per prefecture, ordered by day, start and
    # venue, with and without level and carrier (a carrier-less class counts as ''); a topic is
    # a row of class_topics (kept by triggers) with the same indexes. classes_city_day is
    # replaced by classes_city_when (it adds venue, the last key of the order).
    """
    CREATE INDEX classes_prefecture_when ON classes (prefecture, day, start, venue);
    CREATE INDEX classes_city_when ON classes (municipality, day, start, venue);
    CREATE INDEX classes_prefecture_kind ON classes (prefecture, level, ifnull(carrier, ''), day, start, venue);
    CREATE INDEX classes_city_kind ON classes (municipality, level, ifnull(carrier, ''), day, start, venue);
    DROP INDEX classes_city_day;
    CREATE TABLE class_topics (
        topic        TEXT NOT NULL,
        class_id     INTEGER NOT NULL,
        prefecture   TEXT NOT NULL,
        municipality TEXT NOT NULL,
        level        TEXT NOT NULL,
        carrier      TEXT NOT NULL,
        day          TEXT NOT NULL,
        start        TEXT NOT NULL,
        venue        TEXT NOT NULL,
        PRIMARY KEY (topic, class_id)
    ) WITHOUT ROWID;
    CREATE INDEX class_topics_prefecture_when ON class_topics (topic, prefecture, day, start, venue);
    CREATE INDEX class_topics_city_when ON class_topics (topic, municipality, day, start, venue);
    CREATE INDEX class_topics_prefecture_kind ON class_topics (topic, prefecture, level, carrier, day, start, venue);
    CREATE INDEX class_topics_city_kind ON class_topics (topic, municipality, level, carrier, day, start, venue);
    CREATE INDEX class_topics_class ON class_topics (class_id);
    CREATE TRIGGER class_topics_added AFTER INSERT ON classes BEGIN
        INSERT OR IGNORE INTO class_topics
        SELECT value, NEW.id, NEW.prefecture, NEW.municipality, NEW.level, ifnull(NEW.carrier, ''), NEW.day,
               NEW.start, NEW.venue
        FROM json_each('["' || replace(trim(NEW.topics, ','), ',', '","') || '"]') WHERE value <> '';
    END;
    CREATE TRIGGER class_topics_changed
    AFTER UPDATE OF topics, prefecture, municipality, level, carrier, day, start, venue ON classes BEGIN
        DELETE FROM class_topics WHERE class_id = OLD.id;
        INSERT OR IGNORE INTO class_topics
        SELECT value, NEW.id, NEW.prefecture, NEW.municipality, NEW.level, ifnull(NEW.carrier, ''), NEW.day,
               NEW.start, NEW.venue
        FROM json_each('["' || replace(trim(NEW.topics, ','), ',', '","') || '"]') WHERE value <> '';
    END;
    CREATE TRIGGER class_topics_removed AFTER DELETE ON classes BEGIN
        DELETE FROM class_topics WHERE class_id = OLD.id;
    END;
    INSERT OR IGNORE INTO class_topics
    SELECT j.value, c.id, c.prefecture, c.municipality, c.level, ifnull(c.carrier, ''), c.day, c.start, c.venue
    FROM classes AS c, json_each('["' || replace(trim(c.topics, ','), ',', '","') || '"]') AS j WHERE j.value <> '';
    """,
    # 7: which sender process claimed a delivery in flight, so several processes may send one
    # broadcast together (PostgreSQL) and only a dead one's deliveries go back to pending
    """
    ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
    """,
    # 8: changes told to every process at once: PostgreSQL's own (``bot.store.postgres_schema``,
    # triggers that NOTIFY); on SQLite, one machine, every process sees them by polling
    "",
]


class Database(Backend):
    """An open aiosqlite connection with the schema brought up to date."""

    kind = "sqlite"

    def __init__(self, path: str):
        super().__init__(path)
        self._conn: aiosqlite.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        # ":memory:" would give each connection a database of its own: both share one instead.
        self._target = f"file:madoguchi-{id(self)}?mode=memory&cache=shared" if path == ":memory:" else path
        self._data_version: int | None = None
        self._looked_at = -float("inf")  # monotonic time of the last data_version look

    async def open(self) -> Database:
        # Fail here, plainly, on a path SQLite cannot open (before aiosqlite starts its thread).
        sqlite3.connect(self._target, uri=True).close()
        self._conn = await aiosqlite.connect(self._target, uri=True)
        try:
            self._conn.row_factory = aiosqlite.Row
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._migrate()
            self._reader = self._open_reader()
        except BaseException:
            # A corrupt file or a failed migration: close, or aiosqlite's thread keeps the process alive.
            await self.close()
            raise
        return self

    def _open_reader(self) -> sqlite3.Connection:
        # Autocommit, so every read sees the latest commit; query_only, so it never writes.
        reader = sqlite3.connect(self._target, uri=True, isolation_level=None, check_same_thread=False, timeout=1.0)
        reader.row_factory = sqlite3.Row
        reader.execute("PRAGMA query_only=ON")
        if self.path == ":memory:":
            # A shared in-memory database locks whole tables instead of keeping snapshots:
            # here (throwaway runs only) a read may see a write not yet committed.
            reader.execute("PRAGMA read_uncommitted=ON")
        return reader

    def read(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        """The rows of a small read (an indexed query with a LIMIT), at once, on this thread.
        It sees what the aiosqlite connection has committed, not its open transaction
        (except in a ":memory:" database)."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader.execute(sql, params).fetchall()

    async def fetch(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        return self.read(sql, params)

    async def others_wrote(self) -> bool:
        """SQLite's ``PRAGMA data_version`` changed since the last look: another connection has
        committed. The look costs a round trip to the database thread (about 55 µs), so it is
        taken at most once per ``DELAY`` — as long as another process may hold a state
        back before writing it anyway."""
        now = time.monotonic()
        if now - self._looked_at < DELAY:
            return False
        self._looked_at = now
        async with self.conn.execute("PRAGMA data_version") as cur:
            (version,) = await cur.fetchone()
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return changed

    async def _migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")

    async def _shut(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
