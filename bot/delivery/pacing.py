"""Pacing primitives on an injectable clock: ``Pause`` (holds calls back only while a
platform said "wait"), ``SlidingWindow`` (at most N events in any
window of T seconds — a strict limit, no burst beyond it) and ``TokenBucket`` (a steady
rate with a small burst), plus ``wait_for`` which waits until every given limit has room
and takes a slot in each at the same instant.

Pure: no platform, no I/O. The clock is any ``() -> float`` in seconds and ``sleep`` any
``async (seconds) -> None``, so tests run on virtual time.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

MONOTONIC: Clock = time.monotonic
SLEEP: Sleep = asyncio.sleep
EPSILON = 1e-9  # waits shorter than this are rounding, not waits (else a float could loop forever)


class Limit(Protocol):
    def wait_time(self, now: float) -> float: ...

    def take(self, now: float) -> None: ...


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds (half-open windows)."""

    __slots__ = ("limit", "period", "_times", "paused_until")

    def __init__(self, limit: int, period: float = 1.0):
        if limit < 1 or period <= 0:
            raise ValueError("a window needs limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._times: deque[float] = deque(maxlen=limit)
        self.paused_until = 0.0

    def wait_time(self, now: float) -> float:
        wait = self.paused_until - now
        if len(self._times) == self.limit:
            wait = max(wait, self._times[0] + self.period - now)
        return max(0.0, wait)

    def take(self, now: float) -> None:
        self._times.append(now)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle(self, now: float) -> bool:
        """Nothing recorded inside the last window and no pause: safe to forget."""
        return (not self._times or self._times[-1] + self.period <= now) and self.paused_until <= now


class TokenBucket:
    """``rate`` events per second on average, up to ``capacity`` at once.

    ``wait_time``/``take`` accept a smaller ``capacity`` for one call: a broadcast passes 1,
    which means "at least 1/rate seconds since this chat's last message"."""

    __slots__ = ("rate", "capacity", "_tokens", "_stamp", "paused_until")

    def __init__(self, rate: float, capacity: float = 1.0):
        if rate <= 0 or capacity < 1:
            raise ValueError("a bucket needs rate > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self._tokens = float(capacity)
        self._stamp: float | None = None
        self.paused_until = 0.0

    def _level(self, now: float, capacity: float) -> float:
        if self._stamp is None:
            return capacity
        return min(capacity, self._tokens + (now - self._stamp) * self.rate)

    def wait_time(self, now: float, capacity: float | None = None) -> float:
        level = self._level(now, capacity or self.capacity)
        wait = 0.0 if level >= 1.0 - EPSILON else (1.0 - level) / self.rate
        return max(wait, self.paused_until - now, 0.0)

    def take(self, now: float, capacity: float | None = None) -> None:
        self._tokens = self._level(now, capacity or self.capacity) - 1.0
        self._stamp = now

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle(self, now: float) -> bool:
        return self._level(now, self.capacity) >= self.capacity and self.paused_until <= now


class _Capped:
    """A bucket seen through a smaller capacity for one request."""

    __slots__ = ("bucket", "capacity")

    def __init__(self, bucket: TokenBucket, capacity: float | None):
        self.bucket, self.capacity = bucket, capacity

    def wait_time(self, now: float) -> float:
        return self.bucket.wait_time(now, self.capacity)

    def take(self, now: float) -> None:
        self.bucket.take(now, self.capacity)


class Pause:
    """A limit that only holds calls back while paused (after a ``RetryAfter``)."""

    __slots__ = ("paused_until",)

    def __init__(self) -> None:
        self.paused_until = 0.0

    def wait_time(self, now: float) -> float:
        return max(0.0, self.paused_until - now)

    def take(self, now: float) -> None:
        pass

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle(self, now: float) -> bool:
        return self.paused_until <= now


def capped(bucket: TokenBucket, capacity: float | None) -> Limit:
    return _Capped(bucket, capacity) if capacity else bucket


async def wait_for(limits: Iterable[Limit], clock: Clock = MONOTONIC, sleep: Sleep = SLEEP) -> float:
    """Wait until every limit has room, then take a slot in each; the seconds waited.

    Checking and taking happen without an ``await`` in between, so concurrent callers on
    one event loop can never both take the last slot."""
    limits = list(limits)
    waited = 0.0
    while True:
        now = clock()
        wait = max((limit.wait_time(now) for limit in limits), default=0.0)
        if wait <= EPSILON:
            for limit in limits:
                limit.take(now)
            return waited
        waited += wait
        await sleep(wait)
