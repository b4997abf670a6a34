"""Fixtures of the LINE tests: the fake LINE API, and the real webhook server on
127.0.0.1 (an ephemeral port) in front of the demo app, with line-bot-sdk's real
async client pointed at the fake. Retries wait no time."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.channels.http import HttpSite
from bot.channels.line.config import LineConfig
from bot.channels.line.server import RUNTIME, LineRuntime, create_app
from bot.delivery.backoff import Backoff
from tests.support import line_fake
from tests.support.line_fake import Call, FakeLineApi

SECRET = "line-test-channel-secret-9f8e7d6c5b4a3210"


@dataclass
class RunningLine:
    """The webhook server as LINE sees it: a URL to post signed bodies to."""

    url: str
    base: str
    web_app: web.Application
    session: aiohttp.ClientSession
    fake: FakeLineApi

    @property
    def runtime(self) -> LineRuntime:
        return self.web_app[RUNTIME]

    async def post(
        self, *events: dict, raw: bytes | None = None, signature: str | None = "sign", headers: dict | None = None
    ) -> tuple[int, str]:
        """Post a body (``raw``, or one made of ``events``) signed with the channel secret
        (``signature=None``: no header; another string: that header)."""
        data = raw if raw is not None else line_fake.body(*events)
        sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        if signature == "sign":
            sent["x-line-signature"] = line_fake.signature(data, SECRET)
        elif signature is not None:
            sent["x-line-signature"] = signature
        async with self.session.post(self.url, data=data, headers=sent) as response:
            return response.status, await response.text()

    async def idle(self) -> None:
        await self.runtime.dispatcher.idle()

    async def send(self, event: dict) -> Call:
        """Post one event and wait for the reply LINE records for its reply token."""
        status, _ = await self.post(event)
        assert status == 200
        return await self.fake.reply_for(event["replyToken"])


@contextlib.asynccontextmanager
async def running_line(bot, fake: FakeLineApi, push_fallback: bool = False, **options) -> AsyncIterator[RunningLine]:
    config = LineConfig(SECRET, fake.access_token, fake.url, push_fallback=push_fallback)
    options.setdefault("backoff", Backoff.immediate())
    options.setdefault("reply_backoff", Backoff.immediate(attempts=3))
    web_app = create_app(bot, config, **options)
    site = HttpSite(web_app, "127.0.0.1", 0)
    host, port = await site.start()
    base = f"http://{host}:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            yield RunningLine(base + options.get("path", "/callback"), base, web_app, session, fake)
    finally:
        await site.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeLineApi]:
    async with FakeLineApi() as api:
        yield api


@pytest.fixture
async def line(app, fake) -> AsyncIterator[RunningLine]:
    async with running_line(app, fake) as running:
        yield running


@pytest.fixture
async def line_push(app, fake) -> AsyncIterator[RunningLine]:
    """The server with the push fallback enabled."""
    async with running_line(app, fake, push_fallback=True) as running:
        yield running


@pytest.fixture
async def api(fake):
    """line-bot-sdk's real async Messaging API client, pointed at the fake."""
    from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

    client = AsyncApiClient(Configuration(host=fake.url, access_token=fake.access_token))
    try:
        yield AsyncMessagingApi(client)
    finally:
        await client.close()


class Sleeps(list):
    """A ``Backoff.sleep`` that records the waits instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
