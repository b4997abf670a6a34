"""What goes wrong on Telegram's side: a resident who blocked the bot (403 and
``my_chat_member``), flood limits (429 with ``retry_after``), timeouts and network errors
(retried with backoff), refused keyboards, handler exceptions (logged, the bot goes on),
and the token, which never reaches a log line or an error message."""

from __future__ import annotations

import logging

import pytest

from bot.channels.telegram.adapter import user_key
from bot.delivery.redaction import MARK
from bot.store.residents import ResidentStore
from tests.support.telegram_fake import TOKEN

# PTB itself warns while building a RetryAfter from an int (its v22.2 timedelta migration).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = 42


async def test_a_403_bot_was_blocked_marks_the_resident_blocked(tg):
    residents = ResidentStore(tg.app.db)
    await tg.say(CHAT, "/subscribe 宇部市")
    assert [s.user_key for s in await residents.recipients("宇部市", channel="telegram")] == [user_key(CHAT)]
    tg.api.block(CHAT)
    calls = await tg.say(CHAT, "宇部のドコモ")
    assert [(c.method, c.status) for c in calls] == [("sendMessage", 403)]  # no retry of a 403
    assert await residents.is_blocked(user_key(CHAT))
    assert await residents.recipients("宇部市", channel="telegram") == []  # broadcasts skip them
    assert tg.errors == []  # expected, not an error


async def test_my_chat_member_kicked_marks_blocked_and_member_again_unblocks(tg):
    residents = ResidentStore(tg.app.db)
    await tg.say(CHAT, "/subscribe 宇部市")
    assert await tg.send(tg.updates.my_chat_member(CHAT, "member", "kicked")) == []
    assert await residents.is_blocked(user_key(CHAT))
    assert await residents.recipients("宇部市", channel="telegram") == []
    await tg.send(tg.updates.my_chat_member(CHAT, "kicked", "member"))
    assert not await residents.is_blocked(user_key(CHAT))
    assert len(await residents.recipients("宇部市", channel="telegram")) == 1


async def test_a_429_is_waited_out_for_retry_after_then_sent(tg):
    tg.api.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3, chat_id=CHAT)
    calls = await tg.say(CHAT, "宇部のドコモ")
    assert [(c.method, c.status) for c in calls] == [("sendMessage", 429), ("sendMessage", 200)]
    assert calls[1].at - calls[0].at >= 3.0  # virtual seconds: nothing really slept
    assert 3.0 in tg.time.slept
    assert "ドコモショップ" in calls[1].params["text"]
    assert tg.channel.limiter.retries["retry_after"] == 1


async def test_a_429_pauses_that_chat_not_everyone(tg):
    tg.api.fail("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5, chat_id=CHAT)
    await tg.say(CHAT, "こんにちは")
    start = tg.time.now
    calls = await tg.say(43, "こんにちは")
    assert calls[0].ok and calls[0].at == start  # another resident was not held back


async def test_a_retry_after_too_long_is_not_waited_out_in_one_call(tg, caplog):
    tg.api.fail("sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600, chat_id=CHAT)
    calls = await tg.say(CHAT, "こんにちは")
    assert [(c.method, c.status) for c in calls] == [("sendMessage", 429)]
    assert max(tg.time.slept, default=0) < 3600
    assert "could not send to chat 42" in caplog.text


async def test_timeouts_are_retried_with_growing_backoff(tg):
    tg.api.time_out("sendMessage", times=2, chat_id=CHAT)
    calls = await tg.say(CHAT, "宇部のドコモ")
    assert [c.ok for c in calls] == [False, False, True]
    backoff = [s for s in tg.time.slept if s > 0]
    assert len(backoff) >= 2 and backoff[1] > backoff[0] >= 0.4
    assert "ドコモショップ" in calls[-1].params["text"]
    assert tg.channel.limiter.retries["network"] == 2


async def test_a_network_that_stays_down_gives_up_logs_without_the_token_and_goes_on(tg, caplog):
    caplog.set_level(logging.DEBUG)
    tg.api.break_network("sendMessage", times=10, chat_id=CHAT)  # messages quote the URL, token and all
    calls = await tg.say(CHAT, "宇部のドコモ")
    assert len(calls) == 1 + tg.settings.limits.max_retries and not any(c.ok for c in calls)
    assert TOKEN in calls[0].url  # the fake really put the token in harm's way
    assert "could not send to chat 42" in caplog.text
    assert MARK in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert "ドコモショップ" in tg.api.visible(await tg.say(43, "宇部のドコモ"))  # still running


async def test_a_handler_exception_is_logged_without_the_token_and_the_bot_goes_on(tg, caplog, monkeypatch):
    original = tg.channel.sender.replies

    async def explode(*args, **kwargs):
        raise RuntimeError(f"boom while calling https://api.telegram.org/bot{TOKEN}/sendMessage")

    monkeypatch.setattr(tg.channel.sender, "replies", explode)
    with pytest.raises(AssertionError, match="boom"):  # the strict test error handler saw it
        await tg.say(CHAT, "こんにちは")
    tg.errors.clear()
    assert "error while handling update" in caplog.text
    assert TOKEN not in caplog.text and MARK in caplog.text
    assert tg.channel.stats["errors"] == 1
    monkeypatch.setattr(tg.channel.sender, "replies", original)
    assert "こんにちは" in tg.api.visible(await tg.say(CHAT, "こんにちは"))


async def test_a_refused_keyboard_still_delivers_the_words(tg, caplog):
    tg.api.fail("sendMessage", 400, "Bad Request: BUTTON_URL_INVALID", chat_id=CHAT)
    calls = await tg.say(CHAT, "宇部のドコモ")
    assert [c.status for c in calls] == [400, 200]
    assert "reply_markup" not in calls[1].params
    assert "ドコモショップフジグラン宇部店" in calls[1].params["text"]
    assert "sending the text alone" in caplog.text


async def test_an_answer_to_a_too_old_button_press_is_not_an_error(tg):
    tg.api.fail("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired")
    calls = await tg.press(CHAT, "menu")
    assert "ご案内できること" in tg.api.visible(calls)


async def test_the_bot_api_url_carries_the_token_only_in_the_path(tg):
    await tg.say(CHAT, "こんにちは")
    assert tg.request.urls[-1] == f"https://api.telegram.org/bot{TOKEN}/sendMessage"


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"chat": {"id": 5, "type": "private"}},
        {"new_chat_member": {"status": "member"}},
        {"chat": {"id": 5, "type": "private"}, "new_chat_member": {"status": "member"}},
    ],
)
async def test_a_chat_member_update_missing_its_parts_is_skipped(tg, change):
    """Found by the fuzz test: a ``my_chat_member`` without its chat or statuses raised."""
    await tg.send({"update_id": 991, "my_chat_member": change})  # the harness fails on any handler error
    assert "宇部" in tg.api.visible(await tg.say(5, "宇部のドコモ"))
