"""Real-browser testing of the web console: Debian's ``chromium`` and ``chromium-driver``
driven by Selenium, against the console served on loopback from a thread of its own.

Lives here: ``HINT`` (how to install the browser), ``browser_or_skip`` (a headless Chromium
with a fresh profile and nothing that talks to the network — or a skip with ``HINT``; with
``CI=true`` a missing browser is a failure instead: CI must run these tests), and
``ServedConsole`` (an event loop in a thread that builds a console with the caller's
coroutine and serves it; ``call`` runs a coroutine on that loop from the test's thread).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading

import pytest

HINT = (
    "the browser tests need Debian's chromium and chromium-driver and the test extras "
    '(sudo apt-get install -y chromium chromium-driver; pip install -e ".[test]")'
)
CHROMIUM = ("chromium", "chromium-browser")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1280,1000",
    "--lang=ja",
)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if not any(shutil.which(b) for b in CHROMIUM):
        return "chromium is not installed"
    if not shutil.which("chromedriver"):
        return "chromedriver (chromium-driver) is not installed"
    return None


def browser_or_skip():
    """A Selenium Chrome driver on headless Chromium (quit it when done)."""
    missing = _missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the browser tests, but {missing}: {HINT}")
        pytest.skip(f"{missing}: {HINT}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='madoguchi-chromium-')}")
    options.binary_location = next(shutil.which(b) for b in CHROMIUM if shutil.which(b))
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


class ServedConsole:
    """``build()`` (a coroutine returning ``(console, cleanup)``) run on a loop in a thread,
    its app served at ``url``."""

    def __init__(self, build):
        self.build = build
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""
        self.console = None

    def call(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> ServedConsole:
        self.thread.start()
        self.call(self._start())
        return self

    async def _start(self) -> None:
        from aiohttp import web

        from bot.web.server import make_app

        self.console, self._cleanup = await self.build()
        self.runner = web.AppRunner(make_app(self.console), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self._cleanup()

    def stop(self) -> None:
        try:
            self.call(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
