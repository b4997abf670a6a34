"""One scheduler per database: on PostgreSQL the process that holds the scheduler's advisory
lock schedules and the others wait; when the leader is killed with SIGKILL another takes over
within seconds, and a scheduled broadcast is sent once. On SQLite every process leads."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bot.broadcast.scheduler import ROLE, Scheduler
from bot.clock import FixedClock
from bot.store.backend import open_database
from bot.store.bundle import Stores
from tests.conftest import NOW
from tests.support.broadcast_fake import FakeSender
from tests.support.staff import subscribe

ROOT = Path(__file__).resolve().parents[2]
LEADER = """
import asyncio, sys
from bot.store.postgres import PostgresDatabase
async def main():
    db = await PostgresDatabase(sys.argv[1]).open()
    print(await db.lead(sys.argv[2]), flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
"""


async def _until(condition, seconds: float) -> float:
    """How long ``condition()`` took to hold (fails after ``seconds``)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "did not happen in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def test_on_sqlite_every_process_leads(tmp_path):
    async with open_database(str(tmp_path / "a.db")) as a, open_database(str(tmp_path / "a.db")) as b:
        assert await a.lead(ROLE) and await b.lead(ROLE)


async def test_one_leader_and_a_killed_leader_is_replaced_within_seconds(postgres):
    url = await postgres.database()
    leader = subprocess.Popen(
        [sys.executable, "-c", LEADER, url, ROLE],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert (await asyncio.to_thread(leader.stdout.readline)).strip() == "True"
        db = await open_database(url).open()
        stores = Stores.over(db)
        await subscribe(db, "宇部市", ["fake:1", "fake:2"])
        bid = await stores.broadcasts.create(
            "cli:ube", "宇部市", "text", "お知らせ", send_at=NOW - timedelta(minutes=1)
        )
        sender = FakeSender()
        stop = asyncio.Event()
        follower = asyncio.create_task(
            Scheduler(stores, {"fake": sender}, clock=FixedClock(NOW)).run(stop, interval=0.2, follow=0.2)
        )
        await asyncio.sleep(1.0)  # the other process leads: this one sends nothing
        assert sender.calls == [] and not await db.lead(ROLE)
        leader.send_signal(signal.SIGKILL)
        leader.wait()
        took = await _until(lambda: len(sender.sent_keys()) == 2, 10.0)
        assert took < 5.0  # taken over within seconds
        await asyncio.sleep(0.6)  # more ticks: nothing sent twice
        assert sorted(sender.sent_keys()) == ["fake:1", "fake:2"]
        assert (await stores.broadcasts.get(bid)).status == "done"
        stop.set()
        await follower
        await db.close()
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()
