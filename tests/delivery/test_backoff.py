"""The one backoff: delays grow and are capped, jitter stays within its share, a server's
Retry-After is honoured, and ``retry`` tries again only what is retryable."""

from __future__ import annotations

import pytest

from bot.delivery.backoff import Backoff, retry_after_header


def test_delays_grow_are_capped_and_jitter_both_ways():
    b = Backoff(base=0.5, cap=4, jitter=0)
    assert [b.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert b.delay(1, hint=3.0) == 3.0 and b.delay(1, hint=100) == 4
    assert Backoff(base=1, jitter=0.2, rng=lambda: 0.0).delay(1) == 0.8
    assert Backoff(base=1, jitter=0.2, rng=lambda: 1.0).delay(1) == 1.2


async def test_retry_tries_again_what_is_retryable_then_gives_up():
    waits, calls = [], []

    async def sleep(s):
        waits.append(s)

    async def flaky():
        calls.append(1)
        raise TimeoutError

    b = Backoff(attempts=3, base=1, jitter=0, sleep=sleep)
    with pytest.raises(TimeoutError):
        await b.retry(flaky, lambda e: isinstance(e, TimeoutError), "test")
    assert len(calls) == 3 and waits == [1, 2]
    calls.clear()
    with pytest.raises(TimeoutError):
        await b.retry(flaky, lambda e: False, "test")
    assert len(calls) == 1


def test_a_retry_after_header_in_seconds():
    assert retry_after_header("3") == 3.0 and retry_after_header("1.5") == 1.5
    assert retry_after_header("-2") == 0.0  # never a negative wait
    assert retry_after_header(None) is None and retry_after_header("Wed, 21 Oct 2026 07:28:00 GMT") is None
