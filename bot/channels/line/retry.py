"""Retrying calls to the LINE API: which failures are worth another try, and how long to wait.

Lives here: ``Backoff`` (exponential with jitter, a cap, an injectable ``sleep`` so
tests run at once), ``retryable`` (429, 5xx, timeouts, dropped connections — never
another 4xx, nor the 429 of a spent monthly quota), ``status_of``, ``describe`` (a
failure for the log, without secrets) and ``with_retries``. Touches nothing but the clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import aiohttp
from linebot.v3.messaging import ApiException

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """``attempts`` tries in all; waits ``base``, ``base*factor``, … up to ``cap`` seconds,
    each stretched by up to ``jitter`` (a fraction) so that retries do not march in step."""

    attempts: int = 5
    base: float = 0.5
    factor: float = 2.0
    cap: float = 20.0
    jitter: float = 0.2
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def delay(self, retry: int, hint: float | None = None) -> float:
        """The wait before retry number ``retry`` (1-based); ``hint`` is the server's Retry-After."""
        wait = min(self.cap, self.base * self.factor ** (retry - 1))
        wait *= 1 + random.uniform(0, self.jitter)
        if hint is not None:
            wait = max(wait, min(hint, self.cap))
        return wait

    @classmethod
    def immediate(cls, attempts: int = 5) -> Backoff:
        """No waiting at all (tests)."""

        async def no_sleep(_: float) -> None:
            await asyncio.sleep(0)

        return cls(attempts=attempts, base=0.0, jitter=0.0, sleep=no_sleep)


def status_of(exc: BaseException) -> int | None:
    return exc.status if isinstance(exc, ApiException) else None


def _body(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")


def retryable(exc: BaseException) -> bool:
    """429 (except "monthly limit", which waiting will not cure), 5xx, timeouts, lost connections."""
    status = status_of(exc)
    if status is not None:
        if status == 429:
            return "monthly limit" not in _body(exc).lower()
        return status >= 500
    return isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError, ConnectionError))


def retry_after(exc: BaseException) -> float | None:
    headers = getattr(exc, "headers", None)
    value = headers.get("Retry-After") if headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def describe(exc: BaseException) -> str:
    """A short, secret-free account of a failure for the log (status and LINE's message)."""
    status = status_of(exc)
    if status is None:
        return type(exc).__name__
    return f"HTTP {status} {_body(exc)[:200]}".strip()


async def with_retries(call: Callable[[], Awaitable[T]], backoff: Backoff, what: str) -> T:
    """``await call()``, again after a retryable failure, at most ``backoff.attempts`` times.
    The last failure (or the first one not worth retrying) is raised."""
    for attempt in range(1, backoff.attempts + 1):
        try:
            return await call()
        except Exception as exc:  # noqa: BLE001 - sorted by retryable()
            if attempt == backoff.attempts or not retryable(exc):
                raise
            wait = backoff.delay(attempt, retry_after(exc))
            log.info(
                "%s failed (%s), retry %d of %d in %.2fs", what, describe(exc), attempt, backoff.attempts - 1, wait
            )
            await backoff.sleep(wait)
    raise AssertionError("unreachable")
