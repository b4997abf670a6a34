"""The strict limiter: never more than N grants in any one-second window, ≥ 95 % of N
achieved, a minimum interval per recipient (also between sends to one recipient that wait at
the same time), FIFO waiters, and a pause for "retry after"."""

from __future__ import annotations

import asyncio
import bisect

import pytest

from bot.broadcast.limiter import RateLimiter
from tests.support.clock import VirtualTime


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most grants in any half-open window [t, t + window)."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


async def test_thirty_a_second_for_ten_seconds_in_virtual_time():
    clock = VirtualTime()
    limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)
    start = clock()
    times = [await limiter.acquire() for _ in range(301)]
    elapsed = times[-1] - start
    assert max_in_window(times) <= 30
    assert 300 / elapsed >= 0.95 * 30
    # spread out, not 30 at once and then a pause
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.9 / 30 - 1e-9


async def test_bursts_are_not_let_through_after_idle_time():
    clock = VirtualTime()
    limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)
    times = [await limiter.acquire() for _ in range(30)]
    await clock.sleep(5.0)  # idle: a token bucket would now let a full bucket through at once
    times += [await limiter.acquire() for _ in range(60)]
    assert max_in_window(times) <= 30
    assert max_in_window(times[30:], 0.5) <= 17


async def test_a_rate_below_one_a_second():
    clock = VirtualTime()
    limiter = RateLimiter(0.5, clock=clock, sleep=clock.sleep)
    times = [await limiter.acquire() for _ in range(4)]
    assert [round(b - a, 3) for a, b in zip(times, times[1:])] == [2.0, 2.0, 2.0]


async def test_per_recipient_interval_holds_one_chat_without_holding_the_others():
    clock = VirtualTime()
    limiter = RateLimiter(None, per_key=1.0, clock=clock, sleep=clock.sleep)
    a1 = await limiter.acquire(["telegram:1"])
    b = await limiter.acquire(["telegram:2"])
    a2 = await limiter.acquire(["telegram:1"])
    assert b == a1 and a2 - a1 >= 1.0


async def test_two_sends_to_one_recipient_waiting_at_once_are_an_interval_apart():
    clock = VirtualTime()
    limiter = RateLimiter(30, per_key=1.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire(["telegram:0"])  # the next grant waits for the spacing, holding the lock
    one, other, again = await asyncio.gather(
        limiter.acquire(["telegram:1"]), limiter.acquire(["telegram:2"]), limiter.acquire(["telegram:1"])
    )
    assert again - one >= 1.0  # the second to telegram:1 waited for the first grant, then a second
    assert other - one < 0.1  # telegram:2 was not held up by it


async def test_pause_holds_every_grant():
    clock = VirtualTime()
    limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)
    first = await limiter.acquire()
    limiter.pause(3.0)
    assert await limiter.acquire() - first >= 3.0


async def test_no_limit_waits_for_nothing():
    clock = VirtualTime()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        await limiter.acquire()
    assert clock.slept == [] and limiter.granted == 1000


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError):
        RateLimiter(0)


async def test_many_concurrent_waiters_in_real_time_stay_within_the_window():
    """On the real clock, judged by the grant times the limiter hands out (what a sender
    stamps its call with): a loaded machine may make the run slower, never the window fuller."""
    limiter = RateLimiter(100)
    times: list[float] = []

    async def worker():
        for _ in range(30):
            times.append(await limiter.acquire())

    await asyncio.gather(*(worker() for _ in range(8)))
    assert len(times) == 240
    assert max_in_window(times) <= 100


async def test_many_concurrent_waiters_get_the_full_rate_in_virtual_time():
    clock = VirtualTime()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    times: list[float] = []

    async def worker():
        for _ in range(30):
            times.append(await limiter.acquire())

    start = clock()
    await asyncio.gather(*(worker() for _ in range(8)))
    assert len(times) == 240 and max_in_window(times) <= 100
    # 240 grants at 100 a second: two full windows, then 40 more spaced 0.9/100 apart
    assert 2.0 <= max(times) - start <= 2.0 + 40 * 0.9 / 100 + 1e-6
