"""The health checks' ping: True while the database answers, False once it cannot."""

from __future__ import annotations

from bot.store.backend import open_database
from bot.store.health import ping


async def test_ping_answers_while_open_and_not_after_close(db_target):
    db = await open_database(db_target).open()
    assert await ping(db)
    await db.close()
    assert not await ping(db)
