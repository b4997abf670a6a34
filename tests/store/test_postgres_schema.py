"""PostgreSQL's schema on a real server (``bot.store.postgres_schema``): every migration
recorded once, reopening changes nothing, several processes starting at once migrate once,
and a migration that fails leaves the database as it was (DDL is transactional)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.store import postgres as backend
from bot.store.postgres import PostgresDatabase
from bot.store.postgres_schema import MIGRATIONS


async def versions(db: PostgresDatabase) -> list[int]:
    return [r[0] for r in await db.conn.execute_fetchall("SELECT version FROM schema_version ORDER BY version")]


async def tables(db: PostgresDatabase) -> set[str]:
    rows = await db.conn.execute_fetchall("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}


async def test_every_migration_once_and_reopening_changes_nothing(postgres):
    url = await postgres.database()
    async with PostgresDatabase(url) as db:
        assert await versions(db) == list(range(1, len(MIGRATIONS) + 1))
        await db.conn.execute("INSERT INTO conversations VALUES ('u1', '{}', 'now')")
        await db.conn.commit()
    for _ in range(2):
        async with PostgresDatabase(url) as db:
            assert await versions(db) == list(range(1, len(MIGRATIONS) + 1))
            assert await db.conn.execute_fetchall("SELECT user_key FROM conversations") == [("u1",)]


async def test_processes_starting_at_once_migrate_once(postgres):
    admin = await asyncpg.connect(postgres.url())
    await admin.execute("CREATE DATABASE madoguchi_at_once")  # empty: no schema yet
    await admin.close()
    fresh = postgres.url("madoguchi_at_once")
    opened = await asyncio.gather(*(PostgresDatabase(fresh).open() for _ in range(4)))
    try:
        assert await versions(opened[0]) == list(range(1, len(MIGRATIONS) + 1))
    finally:
        for db in opened:
            await db.close()


async def test_a_failing_migration_changes_nothing(postgres, monkeypatch):
    url = await postgres.database()
    broken = "CREATE TABLE half (x INTEGER); CREATE TABLE conversations (y INTEGER);"
    monkeypatch.setattr(backend, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(asyncpg.DuplicateTableError):
        await PostgresDatabase(url).open()
    monkeypatch.setattr(backend, "MIGRATIONS", list(MIGRATIONS))
    async with PostgresDatabase(url) as db:
        assert await versions(db) == list(range(1, len(MIGRATIONS) + 1))
        assert "half" not in await tables(db)
