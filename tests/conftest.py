"""Fixtures shared by the whole suite: the bundled data, a demo app on a temporary
database, an empty database (``db``) and its stores (``stores``), and a fixed clock so class
dates are repeatable. ``db``, ``stores`` and ``app`` come once per backend (``backend``:
SQLite, and PostgreSQL on a throwaway server, ``tests.support.postgres``); a test that needs
a database target of its own takes ``db_target`` (empty) or ``demo_target`` (the demo's). A test that needs monotonic time that only its sleeps move uses
``tests.support.clock.VirtualTime``."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from bot import config
from bot.app import open_app
from bot.clock import TOKYO, FixedClock
from bot.data.knowledge import load_knowledge
from bot.store.backend import open_database
from bot.store.bundle import Stores
from bot.understanding.parser import Understanding
from tests.support.postgres import HOW_TO_INSTALL, Cluster, server_binaries

# The YAML parse cache of the whole run (and its subprocesses) lives in a temporary folder.
os.environ.setdefault("MADOGUCHI_CACHE", tempfile.mkdtemp(prefix="madoguchi-cache-"))

# A Thursday morning; demo classes run from this day for four weeks.
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO)


def run_apart(coroutine):
    """Run ``coroutine`` to its end on a loop of its own (a session fixture first asked for
    from inside a test's running loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(config.knowledge_dir())


@pytest.fixture(scope="session")
def understanding(knowledge):
    return Understanding(knowledge)


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server; without one the test skips (fails under ``CI=true``)."""
    binaries = server_binaries()
    if binaries is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {HOW_TO_INSTALL}")
        pytest.skip(HOW_TO_INSTALL)
    cluster = Cluster(binaries).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
async def db_target(request, backend, tmp_path) -> str:
    """Where a new, empty database of ``backend`` is: a file in ``tmp_path``, or a URL (the
    database is dropped after the test)."""
    if backend == "sqlite":
        yield str(tmp_path / "t.db")
        return
    postgres = request.getfixturevalue("postgres")
    url = await postgres.database()
    yield url
    await postgres.drop(url)


@pytest.fixture
async def db(db_target):
    """An empty database with the schema up to date, closed after the test."""
    database = await open_database(db_target).open()
    yield database
    await database.close()


@pytest.fixture
def stores(db):
    """The stores over ``db``, as ``open_app`` bundles them."""
    return Stores.over(db)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A database filled with demo classes once; each test gets a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"

    async def fill():
        app = await open_app(str(path), demo=True, clock=FixedClock(NOW))
        await app.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        await app.close()

    run_apart(fill())
    return path


@pytest.fixture(scope="session")
def postgres_demo(postgres) -> str:
    """A PostgreSQL database filled with demo classes once (nobody stays connected: a template)."""

    async def fill():
        url = await postgres.database()
        app = await open_app(url, demo=True, clock=FixedClock(NOW))
        await app.close()
        return postgres.name_of(url)

    return run_apart(fill())


@pytest.fixture
async def demo_target(request, backend, tmp_path) -> str:
    """Where a new copy of the demo database of ``backend`` is: a file, or a URL."""
    if backend == "sqlite":
        target = str(tmp_path / "bot.db")
        shutil.copy(request.getfixturevalue("demo_db"), target)
        yield target
        return
    postgres = request.getfixturevalue("postgres")
    url = await postgres.database(template=request.getfixturevalue("postgres_demo"))
    yield url
    await postgres.drop(url)


@pytest.fixture
async def app(demo_target, clock, knowledge, understanding):
    """A demo app on a copy of the demo database of ``backend``."""
    app = await open_app(demo_target, clock=clock, knowledge=knowledge, understanding=understanding)
    yield app
    await app.close()
