"""Conversation state in the store: kept across a restart, overwritten in place, forgotten on request."""

from __future__ import annotations

import shutil

import pytest

from bot.app import open_app
from bot.messages import IncomingMessage
from bot.store.conversations import ConversationStore
from bot.store.database import Database
from tests.support.conversations import visible

STATE = {"city": "防府市", "pending": "city", "buttons": [["宇部市", "city:宇部市"]], "lang": "ja"}


async def rows(db: Database) -> int:
    async with db.conn.execute("SELECT COUNT(*) FROM conversations") as cur:
        (n,) = await cur.fetchone()
    return n


async def test_an_unknown_user_has_no_state(tmp_path):
    async with Database(str(tmp_path / "a.db")) as db:
        assert await ConversationStore(db).load("console:nobody") == {}


async def test_state_survives_a_restart(tmp_path):
    path = str(tmp_path / "a.db")
    async with Database(path) as db:
        await ConversationStore(db).save("console:u1", STATE)
    async with Database(path) as db:
        assert await ConversationStore(db).load("console:u1") == STATE
        assert await ConversationStore(db).load("console:u2") == {}


async def test_save_overwrites(tmp_path):
    async with Database(str(tmp_path / "a.db")) as db:
        store = ConversationStore(db)
        await store.save("u1", STATE)
        await store.save("u1", {"city": "宇部市"})
        assert await store.load("u1") == {"city": "宇部市"}
        assert await rows(db) == 0  # gathered: not written yet
        await store.flush()
        assert await rows(db) == 1  # one row, the newer state


async def test_users_are_separate_and_forget_deletes_one(tmp_path):
    path = str(tmp_path / "a.db")
    async with Database(path) as db:
        store = ConversationStore(db)
        await store.save("u1", {"city": "宇部市"})
        await store.save("u2", {"city": "萩市"})
        await store.forget("u1")
        await store.forget("never-seen")  # harmless
        assert await store.load("u1") == {}
        assert await store.load("u2") == {"city": "萩市"}
        await store.flush()
        assert await rows(db) == 1
    async with Database(path) as db:  # deleted on disk, not just in memory
        assert await ConversationStore(db).load("u1") == {}


async def test_saves_reach_the_database_shortly_after_in_one_batch(tmp_path):
    import asyncio

    async with Database(str(tmp_path / "a.db")) as db:
        store = ConversationStore(db, flush_delay=0.01)
        for i in range(50):
            await store.save(f"u{i}", {"n": i})
        await asyncio.sleep(0.1)
        assert await rows(db) == 50


async def test_closing_flushes_pending_states(tmp_path):
    path = str(tmp_path / "a.db")
    async with Database(path) as db:
        await ConversationStore(db, flush_delay=60).save("u1", {"city": "宇部市"})
    async with Database(path) as db:  # a restart: the state is there
        assert await ConversationStore(db).load("u1") == {"city": "宇部市"}


@pytest.mark.parametrize("stored", ["{not json", "[1, 2]", '"text"', "null"])
async def test_unreadable_state_is_a_fresh_start(tmp_path, stored):
    async with Database(str(tmp_path / "a.db")) as db:
        await db.conn.execute("INSERT INTO conversations VALUES ('u1', ?, 'now')", (stored,))
        await db.conn.commit()
        assert await ConversationStore(db).load("u1") == {}


# --- through the engine: a restart in the middle of a conversation -----------------


async def test_a_pending_question_survives_a_restart(tmp_path, demo_db, clock, knowledge, understanding):
    path = tmp_path / "bot.db"
    shutil.copy(demo_db, path)

    async def say(text: str) -> str:
        app = await open_app(str(path), clock=clock, knowledge=knowledge, understanding=understanding)
        try:
            return visible(await app.engine.handle(IncomingMessage("console:u1", text=text)))
        finally:
            await app.close()

    assert "市町" in await say("ドコモショップはどこ？")  # which city?
    answer = await say("防府")  # a new process would see only the database
    assert "0120-244-902" in answer
    assert "0835-25-0880" not in answer  # the SoftBank shops in Hofu: docomo was kept


async def test_engine_forget(app):
    await app.engine.handle(IncomingMessage("console:u9", text="ドコモショップはどこ？"))
    store = app.engine.conversations
    assert (await store.load("console:u9")).get("pending") == "city"
    await app.engine.forget("console:u9")
    assert await store.load("console:u9") == {}
    # forgotten: 防府 alone is no longer the answer to "which city?"
    reply = visible(await app.engine.handle(IncomingMessage("console:u9", text="防府")))
    assert "0120-244-902" not in reply


async def test_one_store_per_database_so_no_part_reads_a_stale_cache(app):
    from bot.broadcast.reminders import ReminderDispatcher

    assert ConversationStore.of(app.db) is app.engine.conversations
    assert ReminderDispatcher(app.db, {}).conversations is app.engine.conversations
    await app.engine.handle(IncomingMessage("console:lang", text="English please"))
    assert (await ConversationStore.of(app.db).load("console:lang"))["lang"] == "en"
