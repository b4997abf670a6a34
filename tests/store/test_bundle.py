"""The bundle of stores: built once by ``open_app`` and shared by everything that reads or
writes the database in the process — the engine, the skills' services and the schedulers."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields

import pytest

from bot.broadcast.scheduler import Scheduler
from bot.messages import IncomingMessage
from bot.store.bundle import Stores


async def test_the_app_hands_its_one_bundle_to_the_engine_and_the_skills(app):
    assert app.engine.conversations is app.stores.conversations
    assert app.engine.unanswered is app.stores.unanswered
    assert app.engine.services.stores is app.stores
    assert app.engine.services.classes is app.stores.classes
    assert app.db is app.stores.db


async def test_a_scheduler_reads_the_states_the_engine_holds_back(app):
    scheduler = Scheduler(app.stores, {})
    assert scheduler.reminders.conversations is app.engine.conversations
    assert scheduler.store is app.stores.broadcasts and scheduler.engine.store is app.stores.broadcasts
    await app.engine.handle(IncomingMessage("console:held", text="English please"))
    held = "console:held" in app.stores.conversations.writes.pending
    assert held == app.db.caches_states  # SQLite: not in the database yet; PostgreSQL: written by the turn's end
    assert await scheduler.reminders._lang("console:held") == "en"


def test_every_store_is_over_the_one_database(db):
    stores = Stores.over(db)
    assert all(getattr(stores, f.name).db is db for f in fields(stores) if f.name != "db")
    with pytest.raises(FrozenInstanceError):
        stores.audit = None  # type: ignore[misc]
