"""The emergency stop across processes: a broadcast marked ``paused`` in the database while
another engine sends it stops within a moment, loses nothing, and resumes without repeats."""

from __future__ import annotations

import asyncio

import pytest

from bot.broadcast import engine as engine_module
from bot.broadcast.engine import BroadcastEngine
from bot.store.broadcasts import BroadcastStore
from bot.store.database import Database
from tests.support.broadcast_fake import FakeSender
from tests.support.staff import subscribe

KEYS = [f"fake:{i:03d}" for i in range(60)]


@pytest.fixture
async def db(tmp_path):
    database = await Database(str(tmp_path / "h.db")).open()
    yield database
    await database.close()


async def test_a_halt_from_another_process_stops_the_run(db, tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "HALT_POLL", 0.05)
    await subscribe(db, "宇部市", KEYS)
    store = BroadcastStore(db)
    broadcast_id = await store.create("cli:ube", "宇部市", "text", "お知らせ")
    sender = FakeSender(delay=0.02, concurrency=1)
    run = asyncio.create_task(BroadcastEngine(db, {"fake": sender}).run(broadcast_id))
    await asyncio.sleep(0.3)
    async with Database(str(tmp_path / "h.db")) as other:  # the console's process
        assert await BroadcastStore(other).halt_sending() == [broadcast_id]
    report = await asyncio.wait_for(run, 5)
    assert not report.finished and 0 < report.sent < len(KEYS)
    assert (await store.get(broadcast_id)).status == "paused"
    again = await BroadcastEngine(db, {"fake": sender}).run(broadcast_id)
    assert again.finished and again.sent == len(KEYS)
    assert sorted(sender.sent_keys()) == KEYS  # nobody twice
