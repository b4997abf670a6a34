"""Fixtures shared by the whole suite: the bundled data, a demo app on a temporary
database, an empty database (``db``) and its stores (``stores``), and a fixed clock so class
dates are repeatable. A test that needs monotonic time that only its sleeps move uses
``tests.support.clock.VirtualTime``."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime

import pytest

from bot import config
from bot.app import open_app
from bot.clock import TOKYO, FixedClock
from bot.data.knowledge import load_knowledge
from bot.store.bundle import Stores
from bot.store.database import Database
from bot.understanding.parser import Understanding

# The YAML parse cache of the whole run (and its subprocesses) lives in a temporary folder.
os.environ.setdefault("MADOGUCHI_CACHE", tempfile.mkdtemp(prefix="madoguchi-cache-"))

# A Thursday morning; demo classes run from this day for four weeks.
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO)


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(config.knowledge_dir())


@pytest.fixture(scope="session")
def understanding(knowledge):
    return Understanding(knowledge)


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
async def db(tmp_path):
    """An empty database with the schema up to date (``tmp_path / "t.db"``), closed after the test."""
    database = await Database(str(tmp_path / "t.db")).open()
    yield database
    await database.close()


@pytest.fixture
def stores(db):
    """The stores over ``db``, as ``open_app`` bundles them."""
    return Stores.over(db)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A database filled with demo classes once; each test gets a copy."""
    import asyncio

    path = tmp_path_factory.mktemp("demo") / "demo.db"

    async def fill():
        app = await open_app(str(path), demo=True, clock=FixedClock(NOW))
        await app.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        await app.close()

    asyncio.run(fill())
    return path


@pytest.fixture
async def app(tmp_path, clock, demo_db, knowledge, understanding):
    db = tmp_path / "bot.db"
    shutil.copy(demo_db, db)
    app = await open_app(str(db), clock=clock, knowledge=knowledge, understanding=understanding)
    yield app
    await app.close()
