"""Fuzzing the Telegram webhook with Hypothesis over real HTTP into python-telegram-bot's real
Application: hostile updates (well-formed and not, wrong secret or none) get 200, 400 or 403 —
never a 500 —, no handler raises, and afterwards a normal question gets its normal answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter

import pytest
from hypothesis import given, strategies as st

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

STATUSES: Counter[int] = Counter()  # every answer of the fuzz run, checked afterwards


@FUZZ
@given(body=telegram_bodies, secret=st.sampled_from([SECRET, SECRET, SECRET, None, "", "wrong"]))
async def test_hostile_updates_never_break_the_webhook(served, caplog, body, secret):
    tg, session, url = served
    caplog.set_level(logging.WARNING)
    status = await post(session, url, body, secret)
    assert status in (200, 400, 403), status
    STATUSES[status] += 1
    if secret != SECRET:
        assert status == 403
    await processed(tg)
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


async def test_after_hostile_updates_a_normal_question_is_answered(served):
    tg, session, url = served
    assert STATUSES[200] and STATUSES[400] and STATUSES[403], STATUSES  # the run reached every door
    for body in (b"\xff", b"{}", b'{"update_id": "x"}', b'{"update_id": 5, "message": {"chat": 1}}'):
        await post(session, url, body, SECRET)
    assert await post(session, url, json.dumps(tg.updates.text(42, "宇部のドコモ")).encode(), SECRET) == 200
    await processed(tg)
    assert "ドコモショップフジグラン宇部店" in tg.api.texts(42)[0]
