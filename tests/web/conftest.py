"""Fixtures of the web console tests: the console and an aiohttp test client on it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import make_app
from tests.support.web import make_console


@pytest.fixture
async def console(tmp_path, demo_db, clock, knowledge, understanding):
    console = await make_console(tmp_path, demo_db, clock, knowledge, understanding)
    yield console
    await console.runs.stop_all()
    await console.bot.close()


@pytest.fixture
async def client(console):
    client = TestClient(TestServer(make_app(console)))
    await client.start_server()
    yield client
    await client.close()
