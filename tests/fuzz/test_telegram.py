"""Fuzzing the Telegram webhook with Hypothesis over real HTTP into python-telegram-bot's real
Application: hostile updates (well-formed and not, wrong secret or none) get 200, 400 or 403 —
never a 500 —, no handler raises, and after each of them a normal question gets its normal
answer through the same webhook."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.telegram.webhook import SECRET_HEADER
from tests.channels.telegram.conftest import serving_webhook
from tests.support.hostile import FUZZ, telegram_bodies

SECRET = "fuzz_secret-token"


@pytest.fixture
async def served(tg):
    async with serving_webhook(tg, SECRET) as (_, session, url):
        yield tg, session, url


async def post(session, url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret is not None else {})}
    async with session.post(url, data=body, headers=headers) as response:
        return response.status


async def processed(tg) -> None:
    await asyncio.wait_for(tg.application.update_queue.join(), timeout=30)
    tg.check()  # no handler raised


@FUZZ
@given(body=telegram_bodies, secret=st.sampled_from([SECRET, SECRET, SECRET, None, "", "wrong"]))
async def test_hostile_updates_never_break_the_webhook(served, caplog, body, secret):
    tg, session, url = served
    caplog.set_level(logging.WARNING)
    status = await post(session, url, body, secret)
    assert status in (200, 400, 403), status
    if secret != SECRET:
        assert status == 403
    await processed(tg)
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    # afterwards, through the same webhook, a normal question gets its normal answer
    before = len(tg.api.texts(42))
    assert await post(session, url, json.dumps(tg.updates.text(42, "宇部のドコモ")).encode(), SECRET) == 200
    await processed(tg)
    assert "ドコモショップフジグラン宇部店" in tg.api.texts(42)[before]


async def test_each_door_answers_as_it_should(served):
    tg, session, url = served
    assert await post(session, url, json.dumps(tg.updates.text(42, "こんにちは")).encode(), SECRET) == 200
    assert await post(session, url, b"\xff", SECRET) == 400
    assert await post(session, url, b'{"update_id": 5, "message": {"chat": 1}}', SECRET) == 400
    assert await post(session, url, b"{}", "wrong") == 403
    await processed(tg)
