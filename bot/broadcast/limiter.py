"""A strict rate limiter: never more than N sends in any one-second window.

Lives here: ``RateLimiter``. A call to ``acquire`` returns when a send may start. It
keeps the times of the last N grants and lets a new one through only when the N-th
most recent is at least ``window`` (+ a small ``margin`` for the jitter between the
grant and the send) in the past, so every half-open window of one second holds at
most N grants — unlike a token bucket, which lets a full bucket through on top of the
steady rate (python-telegram-bot's ``AIORateLimiter`` passes about 60 in one sliding
second at 30/s). A minimum spacing of 0.9 / rate between grants spreads them out
instead of sending N at once and then waiting. ``per_key`` keeps a minimum interval
between two grants for the same recipient (Telegram: about one message a second per
chat) without holding up the others; a recipient whose grant is on its way (waiting
for the rate) is held for the others asking for it, so two sends to one recipient that
wait at the same time are still an interval apart. Waiters are served in order (FIFO).

``shared`` is a budget other processes draw on too (``Backend.grant``: several processes
sending one broadcast): once the local limits allow a grant, it is asked, still in turn, for
one of ``capacity`` grants in any window; it answers 0 or the seconds to wait.

Times come from an injectable monotonic ``clock`` and ``sleep`` (tests and
benchmarks). Pure asyncio; no I/O of its own.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

SMOOTHING = 0.9  # minimum spacing between grants, as a share of window / N
MARGIN = 0.002  # seconds added to the window: the grant-to-send jitter stays inside it
PRUNE_AT = 10_000  # per-key entries kept before old ones are dropped


class RateLimiter:
    def __init__(
        self,
        rate: float | None,
        window: float = 1.0,
        per_key: float | None = None,
        margin: float = MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: Callable[[int, float], Awaitable[float]] | None = None,
    ):
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (None: no limit)")
        self.rate = rate
        self.window = window
        self.per_key = per_key
        self.margin = margin
        self.clock = clock
        self.sleep = sleep
        self.shared = shared if rate else None
        # At most `capacity` grants in any window; with a rate below one a second,
        # the spacing alone keeps it to one.
        self.capacity = max(1, math.floor(rate * window)) if rate else 0
        self.spacing = (window / rate) * (SMOOTHING if rate and rate * window >= 2 else 1.0) if rate else 0.0
        self._grants: deque[float] = deque(maxlen=self.capacity or 1)
        self._last: float | None = None
        self._lock = asyncio.Lock()
        self._keys: dict[str, float] = {}
        self._held: dict[str, asyncio.Future] = {}  # recipients whose grant is on its way
        self._paused_until = -math.inf
        self.granted = 0

    def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` (the platform said "retry after"; it applies to
        the whole bot, so every recipient waits)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def earliest(self, now: float) -> float:
        """The first moment a new grant is allowed, given those made so far (pure)."""
        t = max(now, self._paused_until)
        if not self.rate:
            return t
        if len(self._grants) >= self.capacity:
            t = max(t, self._grants[0] + self.window + self.margin)
        if self._last is not None:
            t = max(t, self._last + self.spacing)
        return t

    async def acquire(self, keys: Iterable[str] = ()) -> float:
        """Wait until a send to ``keys`` may start; the grant time."""
        keys = list(dict.fromkeys(keys)) if self.per_key else []
        held = await self._hold(keys) if keys else None
        try:
            async with self._lock:
                while True:
                    now = self.clock()
                    at = self.earliest(now)
                    if at <= now:
                        wait = await self.shared(self.capacity, self.window + self.margin) if self.shared else 0.0
                        if wait <= 0:
                            now = self.clock()
                            break
                        at = now + wait
                    await self.sleep(at - now)
                if self.rate:
                    self._grants.append(now)
                    self._last = now
            self.granted += 1
            for k in keys:
                self._keys[k] = now
        finally:
            if held is not None:
                for k in keys:
                    if self._held.get(k) is held:
                        del self._held[k]
                held.set_result(None)
        if len(self._keys) > PRUNE_AT:
            cutoff = now - (self.per_key or 0)
            self._keys = {k: t for k, t in self._keys.items() if t > cutoff}
        return now

    async def _hold(self, keys: list[str]) -> asyncio.Future:
        """Wait until no grant to ``keys`` is on its way and the last one is ``per_key`` ago;
        then hold them (checked and held without an ``await`` in between)."""
        assert self.per_key is not None
        while True:
            on_the_way = {self._held[k] for k in keys if k in self._held}
            if on_the_way:
                await asyncio.wait(on_the_way)  # not cancelled with this waiter
                continue
            ready = max(self._keys.get(k, -math.inf) for k in keys) + self.per_key
            now = self.clock()
            if ready <= now:
                break
            await self.sleep(ready - now)
        held = asyncio.get_running_loop().create_future()
        for k in keys:
            self._held[k] = held
        return held
