"""Telegram delivery for the staff side's broadcast engine (``bot.broadcast``): outcomes per
recipient, one message a second per chat, and ``make_sender`` from the environment."""

from __future__ import annotations

import argparse

import pytest

pytest.importorskip("bot.broadcast.sender")

from bot.broadcast.sender import Status  # noqa: E402
from bot.broadcast.senders import SenderUnavailable  # noqa: E402
from bot.channels.telegram.sender import make_sender  # noqa: E402
from tests.support.telegram_fake import TOKEN, FakeRequest, FakeTelegram  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_outcomes_for_each_recipient():
    api = FakeTelegram()
    sender = await make_sender(
        argparse.Namespace(telegram_request=FakeRequest(api), rate=100), {"TELEGRAM_BOT_TOKEN": TOKEN}
    )
    try:
        assert sender.channel == "telegram" and sender.max_batch == 1 and sender.rate_per_s == 30.0
        api.block(2)
        api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7, chat_id=3)
        api.time_out("sendMessage", chat_id=4)
        api.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=5)
        results = {}
        for user_key in ["telegram:1", "telegram:2", "telegram:3", "telegram:4", "telegram:5", "line:U1"]:
            results.update(await sender.send([user_key], "お知らせ", key="b1"))
    finally:
        await sender.close()
    assert {k: r.status for k, r in results.items()} == {
        "telegram:1": Status.SENT,
        "telegram:2": Status.BLOCKED,
        "telegram:3": Status.RETRY,
        "telegram:4": Status.RETRY,
        "telegram:5": Status.FAILED,
        "line:U1": Status.FAILED,
    }
    assert results["telegram:3"].retry_after == 7.0
    assert all(TOKEN not in (r.error or "") for r in results.values())
    assert len(api.of("sendMessage", chat_id=4, ok=False)) == 1  # the engine retries, not the bot


async def test_no_token_no_sender():
    with pytest.raises(SenderUnavailable, match="TELEGRAM_BOT_TOKEN"):
        await make_sender(argparse.Namespace(), {})
