"""Fixtures of the web console tests: the console and an aiohttp test client on it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import make_app
from tests.support.web import make_console


@pytest.fixture
async def console(tmp_path, demo_target, clock, knowledge, understanding):
    console = await make_console(tmp_path, demo_target, clock, knowledge, understanding)
    yield console
    await console.runs.stop_all()
    await console.bot.close()


@pytest.fixture
async def client(console):
    client = TestClient(TestServer(make_app(console)))
    await client.start_server()
    yield client
    await client.close()


# With CI=true the browser tests must run: a skipped one fails the run (they also fail
# instead of skipping when the browser is missing, see tests.support.browser).
_skipped_browser: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and "test_browser.py" in report.nodeid:
        _skipped_browser.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    import os

    if os.environ.get("CI", "").lower() == "true" and _skipped_browser:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"FAILED: {len(_skipped_browser)} browser test(s) skipped with CI=true (install chromium chromium-driver)"
        )
        session.exitstatus = 1
