"""The one exponential backoff every retry uses (LINE API calls, Telegram network errors,
the broadcast engine's and the reminders' retries).

Lives here: ``Backoff`` (``delay`` for callers that schedule their own retries, ``retry``
for an awaitable tried again after a failure the caller calls retryable) and
``retry_after_header`` (an HTTP ``Retry-After`` in seconds, the ``hint``). Waits ``base``,
``base*factor``, … up to ``cap`` seconds, each moved by up to ±``jitter`` (a fraction) so
that retries do not march in step; a server's ``Retry-After`` (``hint``) is honoured up to
``cap``. ``attempts`` is how many tries a caller makes in all; ``sleep`` is injectable so
tests run on virtual time. Pure.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def retry_after_header(value: str | None) -> float | None:
    """The seconds an HTTP ``Retry-After`` header asks for (never negative); None when it
    is absent or not a number of seconds."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


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

    async def retry(
        self,
        call: Callable[[], Awaitable[T]],
        retryable: Callable[[BaseException], bool],
        what: str,
        hint: Callable[[BaseException], float | None] = lambda exc: None,
        describe: Callable[[BaseException], str] = lambda exc: type(exc).__name__,
    ) -> T:
        """``await call()``, again after a ``retryable`` failure, at most ``attempts`` times;
        the last failure (or the first one not worth retrying) is raised."""
        for attempt in range(1, self.attempts):
            try:
                return await call()
            except Exception as exc:  # noqa: BLE001 - sorted by retryable()
                if not retryable(exc):
                    raise
                wait = self.delay(attempt, hint(exc))
                log.info(
                    "%s failed (%s), retry %d of %d in %.2fs", what, describe(exc), attempt, self.attempts - 1, wait
                )
                await self.sleep(wait)
        return await call()

    @classmethod
    def immediate(cls, attempts: int = 5) -> Backoff:
        """No waiting at all (tests)."""

        async def no_sleep(_: float) -> None:
            await asyncio.sleep(0)

        return cls(attempts=attempts, base=0.0, jitter=0.0, sleep=no_sleep)
