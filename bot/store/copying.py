"""Moving a prefecture's data from a SQLite file into a PostgreSQL database, every row.

Lives here: ``copy_database`` — opens both (bringing each schema up to date), refuses a target
that already holds data, copies every table in one PostgreSQL transaction (tables that others
refer to first; ``class_topics`` is not copied, the target's triggers rebuild it from
``classes``), moves each identity column past the highest copied id, then counts the rows of
each table on both sides: any difference rolls the whole copy back. Returns the counts.
Touches the two databases only.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.database import Database
from bot.store.postgres import PostgresDatabase

DERIVED = {"class_topics"}  # kept by triggers from other tables
BATCH = 5_000


class CopyRefused(Exception):
    """The copy cannot be made (the target holds data, or the counts differ)."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


async def _tables(source: Database) -> list[str]:
    """The source's tables, each after the tables its foreign keys point at."""
    async with source.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") as cur:
        names = [r[0] for r in await cur.fetchall() if not r[0].startswith("sqlite_") and r[0] not in DERIVED]
    parents: dict[str, set[str]] = {}
    for name in names:
        async with source.conn.execute(f"PRAGMA foreign_key_list({name})") as cur:
            parents[name] = {r["table"] for r in await cur.fetchall()}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # tables that point at each other: no order copies them row by row
            raise CopyRefused("foreign keys in a cycle: " + ", ".join(n for n in names if n not in ordered))
        ordered += ready
    return ordered


async def _count(db, table: str) -> int:
    async with db.conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
        (n,) = await cur.fetchone()
    return n


async def _copy_table(source: Database, raw, table: str) -> None:
    async with source.conn.execute(f"SELECT * FROM {table}") as cur:
        columns = [d[0] for d in cur.description]
        while rows := await cur.fetchmany(BATCH):
            await raw.copy_records_to_table(table, records=[tuple(r) for r in rows], columns=columns)


async def _advance_identities(raw, table: str) -> None:
    for (column,) in await raw.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND is_identity = 'YES'", table
    ):
        await raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )


async def copy_database(sqlite_path: str, postgres_url: str) -> list[Copied]:
    """Copy every row of ``sqlite_path`` into the empty database at ``postgres_url``."""
    async with Database(sqlite_path) as source, PostgresDatabase(postgres_url) as target:
        await source.settle()
        tables = await _tables(source)
        for table in tables:
            if await _count(target, table):
                raise CopyRefused(f"{table} already holds rows: copy into an empty database")
        raw = target.conn.raw
        async with raw.transaction():
            for table in tables:
                await _copy_table(source, raw, table)
                await _advance_identities(raw, table)
            counts = []
            for table in tables:
                have, got = await _count(source, table), await raw.fetchval(f"SELECT COUNT(*) FROM {table}")
                if have != got:
                    raise CopyRefused(f"{table}: {have} rows in the file, {got} copied; nothing was kept")
                counts.append(Copied(table, got))
        return counts
