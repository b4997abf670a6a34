"""Writes held back and made a moment later, many at once (``WriteBehind``), and the
unanswered-message log that uses it: a turn never waits for the database; on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import pytest

from bot.store.backend import open_database
from bot.store.unanswered import UnansweredLog
from bot.store.write_behind import WriteBehind
from tests.support.database_faults import fail_next_executemany


class Recorder:
    def __init__(self, fail_first: bool = False):
        self.batches: list[dict] = []
        self.fail_first = fail_first

    async def __call__(self, batch: dict) -> None:
        if self.fail_first:
            self.fail_first = False
            raise sqlite3.OperationalError("disk I/O error (fake)")
        self.batches.append(dict(batch))


async def test_entries_are_written_together_shortly_after(db_target):
    async with open_database(db_target) as db:
        write = Recorder()
        writes = WriteBehind(db, write, "things", delay=0.01)
        for i in range(20):
            writes.pending[i] = i * i
            writes.soon()
        assert write.batches == []  # nothing written while the turn runs
        await asyncio.sleep(0.1)
        assert write.batches == [{i: i * i for i in range(20)}]
        assert writes.pending == {}


async def test_a_failed_write_keeps_its_entries_and_is_logged(db_target, caplog):
    async with open_database(db_target) as db:
        write = Recorder(fail_first=True)
        writes = WriteBehind(db, write, "things", delay=0.01)
        writes.pending["a"] = 1
        writes.soon()
        await asyncio.sleep(0.1)
        assert "could not save things" in caplog.text
        writes.pending["a"] = 2  # newer than the failed one: it wins
        writes.pending["b"] = 3
        await writes.flush()
        assert write.batches == [{"a": 2, "b": 3}]


async def test_closing_writes_what_is_pending_and_stops_the_timer(db_target, caplog):
    db = await open_database(db_target).open()
    write = Recorder()
    writes = WriteBehind(db, write, "things", delay=60)
    writes.pending["a"] = 1
    writes.soon()
    await db.close()
    await asyncio.sleep(0)
    assert write.batches == [{"a": 1}]
    assert writes.timer.cancelled() or writes.timer.done()
    assert "could not" not in caplog.text


# --- the unanswered log ----------------------------------------------------------------


async def test_misses_are_counted_in_memory_and_written_as_one_row_each(db_target):
    async with open_database(db_target) as db:
        log = UnansweredLog(db)
        executes = []
        real = db.conn.execute
        db.conn.execute = lambda *a, **k: executes.append(a) or real(*a, **k)
        for day in (date(2026, 11, 26), date(2026, 11, 24), date(2026, 11, 25)):
            await log.record("ふわふわ", "ja", day)
        assert executes == []  # recording touched no database
        db.conn.execute = real
        top = await log.top()  # reading settles what is held back first
        assert [(m.text, m.count, m.first_day, m.last_day) for m in top] == [
            ("ふわふわ", 3, "2026-11-24", "2026-11-26")
        ]
    async with open_database(db_target) as db:  # and it was committed
        await UnansweredLog(db).record("ふわふわ", "ja", date(2026, 11, 27))
        [miss] = await UnansweredLog(db).top()
        assert (miss.count, miss.first_day, miss.last_day) == (4, "2026-11-24", "2026-11-27")


async def test_a_failed_write_of_misses_adds_them_back(db_target):
    async with open_database(db_target) as db:
        log = UnansweredLog(db)
        await log.record("ぴよぴよ", "ja", date(2026, 11, 26))
        fail_next_executemany(db)
        with pytest.raises(sqlite3.OperationalError):
            await log._writes.flush()
        await log.record("ぴよぴよ", "ja", date(2026, 11, 27))
        [miss] = await log.top()
        assert (miss.count, miss.first_day, miss.last_day) == (2, "2026-11-26", "2026-11-27")
