"""The SQLite store: WAL, migrations recorded in PRAGMA user_version, idempotent on reopen."""

from __future__ import annotations

import sqlite3

import pytest

from bot.store import database
from bot.store.database import MIGRATIONS, Database


async def scalar(db: Database, sql: str):
    async with db.conn.execute(sql) as cur:
        row = await cur.fetchone()
    return row[0]


async def tables(db: Database) -> set[str]:
    async with db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
        return {row[0] for row in await cur.fetchall()}


async def test_a_new_database_is_migrated(tmp_path):
    async with Database(str(tmp_path / "a.db")) as db:
        assert await scalar(db, "PRAGMA user_version") == len(MIGRATIONS) >= 1
        assert {"conversations", "classes"} <= await tables(db)


async def test_wal_mode(tmp_path):
    path = tmp_path / "a.db"
    async with Database(str(path)) as db:
        assert await scalar(db, "PRAGMA journal_mode") == "wal"
        assert await scalar(db, "PRAGMA foreign_keys") == 1
        await db.conn.execute("INSERT INTO conversations VALUES ('u', '{}', 'now')")
        await db.conn.commit()
        assert (tmp_path / "a.db-wal").exists()
    # WAL is a property of the file: a plain sqlite3 connection sees it too
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_reopening_is_idempotent_and_keeps_data(tmp_path):
    path = str(tmp_path / "a.db")
    async with Database(path) as db:
        await db.conn.execute("INSERT INTO conversations VALUES ('u1', '{\"a\": 1}', 'now')")
        await db.conn.commit()
    for _ in range(2):
        async with Database(path) as db:
            assert await scalar(db, "PRAGMA user_version") == len(MIGRATIONS)
            assert await scalar(db, "SELECT state FROM conversations WHERE user_key = 'u1'") == '{"a": 1}'
            assert await scalar(db, "SELECT COUNT(*) FROM conversations") == 1


async def test_a_later_migration_is_applied_once(tmp_path, monkeypatch):
    path = str(tmp_path / "a.db")
    async with Database(path) as db:
        await db.conn.execute("INSERT INTO conversations VALUES ('u1', '{}', 'now')")
        await db.conn.commit()
    monkeypatch.setattr(database, "MIGRATIONS", [*MIGRATIONS, "CREATE TABLE later (x INTEGER);"])
    for _ in range(2):  # the second open must not run it again (CREATE TABLE would fail)
        async with Database(path) as db:
            assert await scalar(db, "PRAGMA user_version") == len(MIGRATIONS) + 1
            assert "later" in await tables(db)
            assert await scalar(db, "SELECT COUNT(*) FROM conversations") == 1


async def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    path = str(tmp_path / "a.db")
    async with Database(path):
        pass
    broken = "CREATE TABLE half (x INTEGER);\nCREATE TABLE conversations (y INTEGER);"
    monkeypatch.setattr(database, "MIGRATIONS", [*MIGRATIONS, broken])
    db = Database(path)
    with pytest.raises(sqlite3.OperationalError):
        await db.open()
    await db.close()
    monkeypatch.setattr(database, "MIGRATIONS", list(MIGRATIONS))
    async with Database(path) as db:
        assert await scalar(db, "PRAGMA user_version") == len(MIGRATIONS)
        assert "half" not in await tables(db)


async def test_closed_database_refuses_use(tmp_path):
    db = await Database(str(tmp_path / "a.db")).open()
    await db.close()
    with pytest.raises(RuntimeError):
        _ = db.conn
    await db.close()  # closing twice is harmless


# --- the read-only connection of a resident's turn -------------------------------------


@pytest.mark.parametrize("where", ["file", "memory"])
async def test_read_sees_what_the_writer_committed_and_only_that(tmp_path, where):
    path = str(tmp_path / "a.db") if where == "file" else ":memory:"
    async with Database(path) as db:
        await db.conn.execute("INSERT INTO conversations VALUES ('u1', '{}', 'now')")
        if where == "file":  # (a shared in-memory database has no snapshots)
            assert db.read("SELECT COUNT(*) FROM conversations")[0][0] == 0  # not committed yet
        await db.conn.commit()
        rows = db.read("SELECT user_key FROM conversations WHERE user_key = ?", ("u1",))
        assert [r["user_key"] for r in rows] == ["u1"]


async def test_read_never_writes(tmp_path):
    async with Database(str(tmp_path / "a.db")) as db:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.read("DELETE FROM conversations")


async def test_read_after_close_is_a_clear_error(tmp_path):
    db = await Database(str(tmp_path / "a.db")).open()
    await db.close()
    with pytest.raises(RuntimeError, match="not open"):
        db.read("SELECT 1")


async def test_settle_writes_what_the_stores_hold_back(tmp_path):
    calls = []

    async def hook():
        calls.append("flushed")

    async with Database(str(tmp_path / "a.db")) as db:
        db.before_close.append(hook)
        await db.settle()
        assert calls == ["flushed"]
    assert calls == ["flushed", "flushed"]  # and closing settles once more
