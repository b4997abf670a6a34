"""One turn of a resident at a time across processes (PostgreSQL): a second process waits for
the first one's turn of the same resident to end, and then reads the state that turn wrote
(nothing of the resident is kept between turns); other residents do not wait."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.backend import open_database
from bot.store.conversations import ConversationStore


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_second_process_waits_for_the_turn_and_reads_what_it_wrote(db):
    async with open_database(db.path) as other:
        here, there = ConversationStore(db), ConversationStore(other)
        assert await there.load("line:U1") == {}  # the other process has seen the resident before
        entered = asyncio.Event()

        async def second_turn() -> dict:
            async with there.turn("line:U1"):
                entered.set()
                return await there.load("line:U1")

        async with here.turn("line:U1"):
            await here.save("line:U1", {"city": "宇部市"})
            waiting = asyncio.create_task(second_turn())
            await asyncio.sleep(0.2)
            assert not entered.is_set()  # held while the first turn lasts
            async with there.turn("line:U2"):  # another resident does not wait
                pass
        assert await asyncio.wait_for(waiting, 5) == {"city": "宇部市"}  # written before the hold went


async def test_on_sqlite_a_turn_holds_nothing(tmp_path):
    db = await open_database(str(tmp_path / "t.db")).open()
    try:
        async with ConversationStore(db).turn("line:U1"), ConversationStore(db).turn("line:U1"):
            pass  # one machine: the channels keep a resident's turns in order themselves
    finally:
        await db.close()
