"""Pacing, the outgoing limiter and flood control on virtual time: the windows are strict,
a chat gets a short burst then one message a second, a group 20 a minute, and a resident
who floods is noticed once."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.channels.telegram.ratelimiter import TelegramLimiter
from bot.channels.telegram.settings import Limits
from bot.delivery.flood import FloodGuard, Verdict
from bot.delivery.pacing import SlidingWindow, TokenBucket, wait_for
from tests.support.clock import VirtualTime

# PTB itself warns while building a RetryAfter from an int (its v22.2 timedelta migration).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def worst_window(times: list[float], period: float = 1.0) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if s <= t < s + period) for s in times), default=0)


async def test_a_sliding_window_never_lets_more_than_its_limit_through():
    vt = VirtualTime()
    window = SlidingWindow(30, 1.0)
    taken = []

    async def one() -> None:
        await wait_for([window], vt, vt.sleep)
        taken.append(vt.now)

    await asyncio.gather(*(one() for _ in range(300)))
    assert worst_window(taken) == 30
    assert max(taken) - min(taken) < 10.0  # and no slower than 30 a second


async def test_a_token_bucket_allows_a_burst_then_its_rate():
    vt = VirtualTime()
    bucket = TokenBucket(1.0, 3)
    times = []
    for _ in range(6):
        await wait_for([bucket], vt, vt.sleep)
        times.append(vt.now - 1000.0)
    assert times == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


async def call(limiter, chat_id, outcome=None, rl=None):
    async def callback(*args, **kwargs):
        if outcome:
            raise outcome.pop(0)
        return True

    return await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id}, rl)


async def test_the_limiter_paces_private_chats_groups_and_everyone():
    vt = VirtualTime()
    limiter = TelegramLimiter(Limits(), clock=vt, sleep=vt.sleep)
    stamps: dict = {}

    async def send(chat):
        await call(limiter, chat)
        stamps.setdefault(chat, []).append(vt.now)

    await asyncio.gather(*(send(42) for _ in range(5)))
    assert [t - 1000.0 for t in stamps[42]] == [0.0, 0.0, 0.0, 1.0, 2.0]
    await asyncio.gather(*(send(-100) for _ in range(21)))
    group = stamps[-100]
    assert worst_window(group, 60.0) == 20 and group[-1] - group[0] >= 60.0
    await asyncio.gather(*(send(n) for n in range(1, 100)))
    everyone = [t for ts in stamps.values() for t in ts]
    assert worst_window(everyone) <= 30


async def test_broadcast_messages_are_one_a_second_per_chat():
    vt = VirtualTime()
    limiter = TelegramLimiter(Limits(), clock=vt, sleep=vt.sleep)
    times = []
    for _ in range(3):
        await call(limiter, 42, rl={"burst": 1, "bulk": True})
        times.append(vt.now - 1000.0)
    assert times == [0.0, 1.0, 2.0]


async def test_retry_after_pauses_everyone_in_a_broadcast_but_only_the_chat_otherwise():
    vt = VirtualTime()
    limiter = TelegramLimiter(Limits(), clock=vt, sleep=vt.sleep)
    await call(limiter, 42, [RetryAfter(5)])
    assert vt.now == 1005.0
    start = vt.now
    await call(limiter, 43)
    assert vt.now == start  # 43 was not held back by 42's pause
    limiter._chats[44] = TokenBucket(1.0, 3)
    await call(limiter, 44, [RetryAfter(7)], rl={"bulk": True, "burst": 1})
    start = vt.now
    await call(limiter, 45)
    assert vt.now == start  # the pause has passed by the time 44 was retried
    assert limiter._paused.paused_until == 1012.0


async def test_what_is_retried_and_what_is_not():
    vt = VirtualTime()
    limiter = TelegramLimiter(Limits(max_retries=2), clock=vt, sleep=vt.sleep, rng=lambda: 0.5)
    assert await call(limiter, 1, [TimedOut(), TimedOut()]) is True
    assert vt.slept[-2:] == [0.5, 1.0]
    with pytest.raises(TimedOut):
        await call(limiter, 2, [TimedOut(), TimedOut(), TimedOut()])
    for error in (Forbidden("Forbidden: bot was blocked by the user"), BadRequest("Bad Request: chat not found")):
        slept = len(vt.slept)
        with pytest.raises(type(error)):
            await call(limiter, 3, [error])
        assert len(vt.slept) == slept  # no retry


async def test_calls_without_a_chat_are_not_counted():
    vt = VirtualTime()
    limiter = TelegramLimiter(Limits(overall_per_second=1), clock=vt, sleep=vt.sleep)

    async def callback():
        return True

    for _ in range(10):
        await limiter.process_request(callback, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None)
    assert vt.now == 1000.0


def test_flood_guard_notices_once_then_ignores_until_they_slow_down():
    vt = VirtualTime()
    guard = FloodGuard(20, 10.0, clock=vt)
    verdicts = []
    for _ in range(25):
        verdicts.append(guard.check("u"))
        vt.advance(0.1)
    assert verdicts[:20] == [Verdict.PASS] * 20
    assert verdicts[20] is Verdict.NOTICE and verdicts[21:] == [Verdict.IGNORE] * 4
    for _ in range(30):  # still 2 a second: still too fast, still silent, no second notice
        assert guard.check("u") is Verdict.IGNORE
        vt.advance(0.45)
    vt.advance(10.0)
    assert guard.check("u") is Verdict.PASS
    assert guard.check("other") is Verdict.PASS
    assert guard.notices == 1


def test_flood_guard_forgets_quiet_residents():
    vt = VirtualTime()
    guard = FloodGuard(20, 10.0, clock=vt)
    for n in range(5000):
        guard.check(n)
        vt.advance(0.01)
    assert len(guard) < 5000
