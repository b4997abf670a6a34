"""The one exponential backoff every retry uses (LINE API calls, Telegram network errors,
the broadcast engine's and the reminders' retries).

Lives here: ``Backoff``. Waits ``base``, ``base*factor``, … up to ``cap`` seconds, each
moved by up to ±``jitter`` (a fraction) so that retries do not march in step; a server's
``Retry-After`` (``hint``) is honoured up to ``cap``. ``attempts`` is how many tries a
caller makes in all; ``sleep`` is injectable so tests run on virtual time. Pure.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    attempts: int = 5
    base: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    jitter: float = 0.1
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    rng: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry: int, hint: float | None = None) -> float:
        """The wait before retry number ``retry`` (1-based); ``hint`` is the server's Retry-After."""
        wait = min(self.cap, self.base * self.factor ** max(0, retry - 1))
        wait *= 1 + self.jitter * (2 * self.rng() - 1)
        if hint is not None:
            wait = max(wait, min(hint, self.cap))
        return wait

    @classmethod
    def immediate(cls, attempts: int = 5) -> Backoff:
        """No waiting at all (tests)."""

        async def no_sleep(_: float) -> None:
            await asyncio.sleep(0)

        return cls(attempts=attempts, base=0.0, jitter=0.0, sleep=no_sleep)
