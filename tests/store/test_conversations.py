"""Conversation state in the store: kept across a restart, overwritten in place, forgotten on
request (on both backends) — and, on SQLite, which holds writes back a moment, not lost when
the database closes while a delayed flush is still writing."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from bot.app import open_app
from bot.messages import IncomingMessage
from bot.store.backend import open_database
from bot.store.conversations import ConversationStore
from bot.store.database import Database
from bot.store.write_behind import DELAY
from tests.support.conversations import visible
from tests.support.database_faults import fail_next_executemany

STATE = {"city": "防府市", "pending": "city", "buttons": [["宇部市", "city:宇部市"]], "lang": "ja"}


async def rows(db: Database) -> int:
    async with db.conn.execute("SELECT COUNT(*) FROM conversations") as cur:
        (n,) = await cur.fetchone()
    return n


async def test_an_unknown_user_has_no_state(db_target):
    async with open_database(db_target) as db:
        assert await ConversationStore(db).load("console:nobody") == {}


async def test_state_survives_a_restart(db_target):
    async with open_database(db_target) as db:
        await ConversationStore(db).save("console:u1", STATE)
    async with open_database(db_target) as db:
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


async def test_a_loaded_state_is_the_residents_own_copy(tmp_path):
    """What a turn changes without saving is not what the next turn loads; the states kept in
    memory are their JSON text, which costs the garbage collector nothing (20,000 states as dicts
    and lists would be walked at every full collection)."""
    import gc

    async with Database(str(tmp_path / "a.db")) as db:
        store = ConversationStore(db)
        await store.save("u1", {"city": "宇部市", "buttons": [["メニュー", "menu"]]})
        loaded = await store.load("u1")
        loaded["city"] = "萩市"
        loaded["buttons"].clear()
        assert await store.load("u1") == {"city": "宇部市", "buttons": [["メニュー", "menu"]]}
        await store.flush()
        fresh = ConversationStore(db)
        assert (await fresh.load("u1"))["city"] == "宇部市"  # read from the database, then kept
        assert not any(gc.is_tracked(kept) for kept in [*store._cache.values(), *fresh._cache.values()])


async def test_states_beyond_the_memory_kept_are_read_back_and_unwritten_ones_are_never_dropped(tmp_path, monkeypatch):
    from bot.store import conversations

    monkeypatch.setattr(conversations, "CACHE_SIZE", 2)
    async with Database(str(tmp_path / "a.db")) as db:
        store = ConversationStore(db)
        for n in (1, 2, 3):
            await store.save(f"u{n}", {"n": n, "buttons": [["メニュー", "menu"]]})
        # u1 is the oldest, but not written yet: kept in memory until it is.
        assert [await store.load(f"u{n}") for n in (1, 2, 3)] == [
            {"n": n, "buttons": [["メニュー", "menu"]]} for n in (1, 2, 3)
        ]
        await store.flush()
        for n in (4, 5, 6):
            await store.save(f"u{n}", {"n": n})
        await store.flush()
        assert len(store._cache) <= 3
        assert [(await store.load(f"u{n}"))["n"] for n in range(1, 7)] == [1, 2, 3, 4, 5, 6]


async def test_users_are_separate_and_forget_deletes_one(db_target):
    async with open_database(db_target) as db:
        store = ConversationStore(db)
        await store.save("u1", {"city": "宇部市"})
        await store.save("u2", {"city": "萩市"})
        await store.forget("u1")
        await store.forget("never-seen")  # harmless
        assert await store.load("u1") == {}
        assert await store.load("u2") == {"city": "萩市"}
        await store.flush()
        assert await rows(db) == 1
    async with open_database(db_target) as db:  # deleted on disk, not just in memory
        assert await ConversationStore(db).load("u1") == {}


async def test_saves_reach_the_database_shortly_after_in_one_batch(tmp_path):
    import asyncio

    async with Database(str(tmp_path / "a.db")) as db:
        store = ConversationStore(db, flush_delay=0.01)
        for i in range(50):
            await store.save(f"u{i}", {"n": i})
        await asyncio.sleep(0.1)
        assert await rows(db) == 50


async def test_closing_flushes_pending_states(db_target):
    async with open_database(db_target) as db:
        await ConversationStore(db, flush_delay=60).save("u1", {"city": "宇部市"})
    async with open_database(db_target) as db:  # a restart: the state is there
        assert await ConversationStore(db).load("u1") == {"city": "宇部市"}


@pytest.mark.parametrize("stored", ["{not json", "[1, 2]", '"text"', "null"])
async def test_unreadable_state_is_a_fresh_start(db_target, stored):
    async with open_database(db_target) as db:
        await db.conn.execute("INSERT INTO conversations VALUES ('u1', ?, 'now')", (stored,))
        await db.conn.commit()
        assert await ConversationStore(db).load("u1") == {}


# --- through the engine: a restart in the middle of a conversation -----------------


async def test_a_pending_question_survives_a_restart(demo_target, clock, knowledge, understanding):
    async def say(text: str) -> str:
        app = await open_app(demo_target, clock=clock, knowledge=knowledge, understanding=understanding)
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

    assert app.stores.conversations is app.engine.conversations
    assert ReminderDispatcher(app.stores, {}).conversations is app.engine.conversations
    await app.engine.handle(IncomingMessage("console:lang", text="English please"))
    # the reminder reads the language the engine holds in memory, not yet written
    assert await ReminderDispatcher(app.stores, {})._lang("console:lang") == "en"


# --- closing while a delayed flush is writing ----------------------------------------


def _spy_on_writes(db: Database) -> asyncio.Event:
    """An event set when a flush hands its batch to the database (``executemany``)."""
    writing = asyncio.Event()
    executemany = db.conn.executemany

    def spy(*args, **kwargs):
        writing.set()
        return executemany(*args, **kwargs)

    db.conn.executemany = spy
    return writing


@pytest.mark.parametrize("late", [False, True], ids=["nothing-new", "a-save-during-the-write"])
async def test_closing_while_the_delayed_flush_is_writing_loses_nothing(tmp_path, caplog, late):
    path = str(tmp_path / "a.db")
    states = {f"u{i}": {"n": i, "city": "宇部市", "note": "x" * 200} for i in range(3000)}
    db = await Database(path).open()
    store = ConversationStore(db, flush_delay=0.01)
    writing = _spy_on_writes(db)
    for user, state in states.items():
        await store.save(user, state)
    await asyncio.wait_for(writing.wait(), 5)  # the delayed flush has started its write
    assert store.writes.timer is not None and not store.writes.timer.done()
    if late:
        states["late"] = {"n": -1}
        await store.save("late", states["late"])  # saved while that write is in flight
    await db.close()  # a restart now
    await asyncio.sleep(0.05)  # let any leftover flusher run: it must neither write nor log
    async with Database(path) as again:
        fresh = ConversationStore(again)
        for user, state in states.items():
            assert await fresh.load(user) == state
        assert await rows(again) == len(states)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_flusher_that_wakes_after_close_does_nothing(tmp_path, caplog):
    path = str(tmp_path / "a.db")
    db = await Database(path).open()
    store = ConversationStore(db, flush_delay=0.05)
    await store.save("u1", {"city": "萩市"})
    flusher = store.writes.timer
    await db.close()  # flushes u1 while the flusher still sleeps
    await asyncio.sleep(0.1)
    assert flusher.done()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    async with Database(path) as again:
        assert await ConversationStore(again).load("u1") == {"city": "萩市"}


def committed(path: str) -> int:
    """Rows another connection sees: what is on disk, not what this one has written so far."""
    with sqlite3.connect(path) as plain:
        return plain.execute("SELECT COUNT(*) FROM conversations").fetchone()[0]


async def test_a_flush_returns_only_when_everything_saved_before_it_is_committed(tmp_path):
    path = str(tmp_path / "a.db")
    async with Database(path) as db:
        store = ConversationStore(db, flush_delay=60)
        writing = _spy_on_writes(db)
        for i in range(500):
            await store.save(f"u{i}", {"n": i})
        first = asyncio.create_task(store.flush())
        await writing.wait()  # the first flush is writing; nothing is left pending
        await store.flush()  # so this one has nothing of its own, but waits for the first
        assert committed(path) == 500
        await first


async def test_a_failed_flush_keeps_its_states_for_the_next(tmp_path):
    async with Database(str(tmp_path / "a.db")) as db:
        store = ConversationStore(db, flush_delay=60)
        await store.save("u1", {"n": 1})
        fail_next_executemany(db)
        with pytest.raises(sqlite3.OperationalError):
            await store.flush()
        await store.save("u2", {"n": 2})
        await store.flush()
        assert await rows(db) == 2


async def test_two_processes_on_one_database_never_answer_from_a_stale_state(tmp_path):
    """Another process's write is seen within the write-behind delay (the window in which
    that process may hold the state back anyway)."""
    path = str(tmp_path / "shared.db")
    after_the_delay = DELAY * 1.5
    async with Database(path) as one, Database(path) as other:
        mine, theirs = ConversationStore(one), ConversationStore(other)
        await mine.save("line:U1", {"city": "宇部市"})
        await mine.flush()
        assert await theirs.load("line:U1") == {"city": "宇部市"}  # now cached by the other process
        await mine.save("line:U1", {"city": "防府市"})
        await mine.flush()
        await asyncio.sleep(after_the_delay)
        assert await theirs.load("line:U1") == {"city": "防府市"}
        await theirs.save("line:U2", {"city": "萩市"})  # not written yet: kept while the other writes
        await mine.save("line:U3", {"city": "光市"})
        await mine.flush()
        await asyncio.sleep(after_the_delay)
        assert await theirs.load("line:U2") == {"city": "萩市"}
