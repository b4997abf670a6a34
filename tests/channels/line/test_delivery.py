"""Answering one resident through line-bot-sdk's real async client and the fake LINE API:
reply first, push only when enabled, retries on 429/5xx/timeouts with backoff."""

from __future__ import annotations

import pytest
from linebot.v3.messaging import TextMessage

from bot.channels.line.delivery import Messenger
from bot.delivery.backoff import Backoff
from bot.delivery.keys import retry_key
from bot.delivery.outcome import Status
from tests.channels.line.conftest import Sleeps

USER = "U0123456789abcdef0123456789abcdef"


def texts(*words: str) -> list[TextMessage]:
    return [TextMessage(text=w) for w in words]


def messenger(api, push: bool = False, **kw) -> Messenger:
    kw.setdefault("backoff", Backoff.immediate())
    kw.setdefault("reply_backoff", Backoff.immediate(attempts=3))
    return Messenger(api, push_fallback=push, **kw)


async def test_a_reply_uses_the_token(api, fake):
    assert await how(messenger(api), USER, "tok-1", texts("電話 03-5974-0129")) == "replied"
    (call,) = fake.calls
    assert call.endpoint == "reply" and call.body["replyToken"] == "tok-1"
    assert call.messages == [{"type": "text", "text": "電話 03-5974-0129"}]
    assert fake.used == 0  # replies are free


async def test_at_most_5_messages_per_call(api, fake):
    assert await how(messenger(api), USER, "tok-1", texts(*"abcdefg")) == "replied"
    assert [m["text"] for m in fake.calls[0].messages] == list("abcde")


async def test_nothing_to_send(api, fake):
    assert await how(messenger(api), USER, "tok-1", []) == "not_sent"
    assert fake.calls == []


async def test_invalid_token_and_push_off_sends_nothing_more(api, fake):
    fake.expire("old")
    assert await how(messenger(api), USER, "old", texts("x")) == "not_sent"
    assert [(c.endpoint, c.status) for c in fake.calls] == [("reply", 400)]


async def test_a_used_token_counts_as_invalid(api, fake):
    m = messenger(api, push=True)
    assert await how(m, USER, "once", texts("1"), key="ev1") == "replied"
    assert await how(m, USER, "once", texts("2"), key="ev2") == "pushed"
    assert [(c.endpoint, c.status) for c in fake.calls] == [("reply", 200), ("reply", 400), ("push", 200)]


async def test_invalid_token_falls_back_to_push_with_a_retry_key(api, fake):
    fake.expire("old")
    assert await how(messenger(api, push=True), USER, "old", texts("x"), key="event-1") == "pushed"
    push = fake.to("push")[0]
    assert push.body["to"] == USER and push.messages == [{"type": "text", "text": "x"}]
    assert push.retry_key == retry_key("push", "event-1")
    assert fake.used == 1


async def test_no_reply_token_pushes_only_when_enabled(api, fake):
    assert await how(messenger(api), USER, None, texts("x")) == "not_sent"
    assert await how(messenger(api, push=True), USER, None, texts("x")) == "pushed"
    assert [c.endpoint for c in fake.calls] == ["push"]


async def test_reply_retries_429_and_500_with_backoff(api, fake):
    sleeps = Sleeps()
    fake.fail("reply", 429)
    fake.fail("reply", 500)
    m = messenger(api, reply_backoff=Backoff(attempts=3, base=0.3, factor=2, jitter=0, sleep=sleeps))
    assert await how(m, USER, "tok", texts("x")) == "replied"
    assert [c.status for c in fake.calls] == [429, 500, 200]
    assert sleeps == [0.3, 0.6]


async def test_retry_after_is_respected(api, fake):
    sleeps = Sleeps()
    fake.fail("reply", 429, headers={"Retry-After": "2"})
    m = messenger(api, reply_backoff=Backoff(attempts=3, base=0.3, jitter=0, sleep=sleeps))
    assert await how(m, USER, "tok", texts("x")) == "replied"
    assert sleeps == [2.0]


async def test_another_4xx_is_not_retried_nor_pushed(api, fake):
    fake.fail("reply", 400, "The request body has 1 error(s)")
    assert await how(messenger(api, push=True), USER, "tok", texts("x")) == "failed"
    assert [(c.endpoint, c.status) for c in fake.calls] == [("reply", 400)]


async def test_a_reply_that_keeps_failing_is_pushed_only_when_enabled(api, fake):
    fake.fail("reply", 500, times=3)
    assert await how(messenger(api), USER, "tok", texts("x")) == "not_sent"
    fake.fail("reply", 503, times=3)
    assert await how(messenger(api, push=True), USER, "tok2", texts("x")) == "pushed"
    assert [c.endpoint for c in fake.calls] == ["reply"] * 6 + ["push"]


async def test_push_retries_keep_their_key_and_deliver_once(api, fake):
    sleeps = Sleeps()
    fake.fail("push", 500)
    fake.fail("push", 429)
    m = messenger(api, push=True, backoff=Backoff(attempts=4, base=0.5, factor=2, jitter=0, sleep=sleeps))
    assert await how(m, USER, None, texts("x"), key="ev") == "pushed"
    pushes = fake.to("push", ok_only=False)
    assert [c.status for c in pushes] == [500, 429, 200]
    assert len({c.retry_key for c in pushes}) == 1
    assert sleeps == [0.5, 1.0]
    assert fake.used == 1


async def test_a_push_already_accepted_is_not_sent_twice(api, fake):
    m = messenger(api, push=True)
    assert await how(m, USER, None, texts("x"), key="same-event") == "pushed"
    assert await how(m, USER, None, texts("x"), key="same-event") == "pushed"
    assert [c.status for c in fake.to("push", ok_only=False)] == [200, 409]
    assert fake.used == 1


async def test_a_push_that_keeps_failing_fails(api, fake):
    fake.fail("push", 500, times=5)
    assert await how(messenger(api, push=True), USER, None, texts("x")) == "failed"
    assert len(fake.to("push", ok_only=False)) == 5


async def test_timeouts_are_retried(api, fake):
    """A reply and a push that time out are tried again; the push's retry key makes
    the slow first attempt and the retry one delivery."""
    fake.slow("reply", 0.6)
    assert await how(messenger(api, timeout=0.2), USER, "slow-tok", texts("x")) == "replied"
    fake.slow("push", 0.6)
    assert await how(messenger(api, push=True, timeout=0.2), USER, None, texts("y"), key="k") == "pushed"
    await fake.wait_for(lambda: len(fake.to("push", ok_only=False)) == 2, timeout=5)
    assert sorted(c.status for c in fake.to("push", ok_only=False)) == [200, 409]
    assert fake.used == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_a_bad_access_token_is_not_retried(api, fake, status):
    fake.fail("reply", status, "Authentication failed")
    assert await how(messenger(api, push=True), USER, "tok", texts("x")) == "failed"
    assert len(fake.calls) == 1


async def how(m: Messenger, *args, **kw) -> str:
    """How an answer went: replied, pushed, not_sent or failed (the messenger's counts)."""
    before = dict(m.counts)
    result = await m.send(*args, **kw)
    (went,) = [k for k, n in m.counts.items() if n > before.get(k, 0)]
    assert (result.status is Status.SENT) == (went in ("replied", "pushed"))
    return went


def test_backoff_grows_and_is_capped():
    b = Backoff(attempts=10, base=0.5, factor=2, cap=4, jitter=0)
    assert [b.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    jittered = Backoff(base=1, jitter=0.2)
    assert all(0.8 <= jittered.delay(1) <= 1.2 for _ in range(50))
    assert b.delay(1, hint=3.0) == 3.0 and b.delay(1, hint=100) == 4


def test_retry_keys_are_uuids_and_reproducible():
    import uuid

    assert retry_key("push", "a") == retry_key("push", "a") != retry_key("push", "b")
    assert str(uuid.UUID(retry_key("x"))) == retry_key("x")
