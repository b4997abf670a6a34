"""Reading a test's database whatever its engine, from a test that runs no event loop of its
own (one that drives the command line in process).

Lives here: ``rows`` — the rows of one query (the stores' ``?`` placeholders) of the SQLite file
or PostgreSQL URL a test was given (``db_target``, ``demo_target``). Touches only that database.
"""

from __future__ import annotations

import asyncio
import sqlite3

from bot.store.backend import is_postgres


def rows(target: str, sql: str, args: tuple = ()) -> list[tuple]:
    if not is_postgres(target):
        with sqlite3.connect(target) as conn:
            return conn.execute(sql, args).fetchall()
    return asyncio.run(_postgres_rows(target, sql, args))


async def _postgres_rows(target: str, sql: str, args: tuple) -> list[tuple]:
    import asyncpg

    from bot.store.postgres import numbered

    conn = await asyncpg.connect(target)
    try:
        return [tuple(r) for r in await conn.fetch(numbered(sql), *args)]
    finally:
        await conn.close()
