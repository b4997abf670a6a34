"""Changes told to every process (``Backend.listen``): on PostgreSQL a committed change of a
broadcast's status or a saved shop edit reaches every listening process at once, whoever wrote
it; nothing is heard of a write that changes no status, nor after the hearer stopped; SQLite
tells nothing (its callers poll)."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.backend import open_database
from bot.store.broadcasts import BroadcastStore
from bot.store.shop_edits import ShopEdits


class Heard:
    def __init__(self):
        self.payloads: list[str] = []
        self.arrived = asyncio.Event()

    def __call__(self, payload: str) -> None:
        self.payloads.append(payload)
        self.arrived.set()

    async def next(self, timeout: float = 2.0) -> str:
        await asyncio.wait_for(self.arrived.wait(), timeout)
        self.arrived.clear()
        return self.payloads[-1]


async def test_postgresql_tells_another_process_of_a_status_change_and_a_shop_edit(postgres):
    url = await postgres.database()
    async with open_database(url) as here, open_database(url) as there:
        assert here.tells
        statuses, edits = Heard(), Heard()
        await here.listen("broadcast", statuses)
        await here.listen("shops", edits)
        bid = await BroadcastStore(there).create("cli:admin", "宇部市", "text", "お知らせ")
        assert await BroadcastStore(there).cancel(bid)
        assert await statuses.next() == str(bid)
        edit = await ShopEdits(there).add("web:support", "電話番号", "before: 1\n", "after: 2\n")
        assert await edits.next() == str(edit)
        assert statuses.payloads == [str(bid)]  # creating a broadcast is no change of status


async def test_nothing_is_heard_before_the_commit_nor_after_stopping(postgres):
    url = await postgres.database()
    async with open_database(url) as here, open_database(url) as there:
        heard = Heard()
        stop = await here.listen("broadcast", heard)
        bid = await BroadcastStore(there).create("cli:admin", "宇部市", "text", "お知らせ")
        await there.conn.execute("UPDATE broadcasts SET status = 'paused' WHERE id = ?", (bid,))
        with pytest.raises(TimeoutError):
            await heard.next(timeout=0.3)  # still inside the writer's transaction
        await there.conn.commit()
        assert await heard.next() == str(bid)
        stop()
        await there.conn.execute("UPDATE broadcasts SET status = 'cancelled' WHERE id = ?", (bid,))
        await there.conn.commit()
        with pytest.raises(TimeoutError):
            await heard.next(timeout=0.3)


async def test_a_failing_hearer_does_not_silence_the_others(postgres, caplog):
    url = await postgres.database()
    async with open_database(url) as here:
        heard = Heard()

        def broken(payload: str) -> None:
            raise RuntimeError("boom")

        await here.listen("shops", broken)
        await here.listen("shops", heard)
        edit = await ShopEdits(here).add("web:support", "住所", "a: 1\n", "a: 2\n")
        assert await heard.next() == str(edit)
        assert "a listener of shops failed" in caplog.text


async def test_sqlite_tells_nothing_and_an_unknown_topic_is_refused(tmp_path):
    async with open_database(str(tmp_path / "t.db")) as db:
        assert not db.tells
        heard = Heard()
        stop = await db.listen("broadcast", heard)
        bid = await BroadcastStore(db).create("cli:admin", "宇部市", "text", "お知らせ")
        assert await BroadcastStore(db).cancel(bid)
        await asyncio.sleep(0.1)
        assert heard.payloads == []
        stop()
        with pytest.raises(ValueError, match="no such topic"):
            await db.listen("weather", heard)


async def test_a_lost_listening_connection_is_opened_again_and_says_look_again(postgres, monkeypatch):
    from bot.delivery.backoff import Backoff
    from bot.store import postgres as backend

    monkeypatch.setattr(backend, "RELISTEN", Backoff(base=0.05, cap=0.2))
    url = await postgres.database()
    async with open_database(url) as here, open_database(url) as there:
        heard = Heard()
        await here.listen("broadcast", heard)
        lost = here._listener.get_server_pid()
        await there.conn.execute_fetchall("SELECT pg_terminate_backend(?)", (lost,))
        assert await heard.next(timeout=5) == ""  # listening again: changes may have been missed
        assert here._listener is not None and here._listener.get_server_pid() != lost
        bid = await BroadcastStore(there).create("cli:admin", "宇部市", "text", "お知らせ")
        assert await BroadcastStore(there).cancel(bid)
        assert await heard.next() == str(bid)
