"""Whether the database answers: ``ping`` (a trivial query within a timeout), for the
channels' health endpoints. Touches the database only to read nothing."""

from __future__ import annotations

import asyncio

from bot.store.backend import Backend

TIMEOUT = 2.0


async def ping(db: Backend, timeout: float = TIMEOUT) -> bool:
    try:
        async with asyncio.timeout(timeout):
            async with db.conn.execute("SELECT 1") as cur:
                await cur.fetchone()
    except Exception:  # noqa: BLE001 - any failure is "unavailable"
        return False
    return True
