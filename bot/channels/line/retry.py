"""Retrying calls to the LINE API: which failures are worth another try.

Lives here: ``LINE_BACKOFF`` (the shared ``bot.delivery.backoff.Backoff`` as LINE calls
use it), ``retryable`` (429, 5xx, timeouts, dropped connections — never another 4xx, nor
the 429 of a spent monthly quota), ``status_of``, ``body_of``, ``retry_after``, ``describe``
(a failure for the log, without secrets) and ``with_retries``. Touches nothing but the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from linebot.v3.messaging import ApiException

from bot.delivery.backoff import Backoff, retry_after_header

T = TypeVar("T")

LINE_BACKOFF = Backoff(attempts=5, base=0.5, cap=20.0, jitter=0.2)


def status_of(exc: BaseException) -> int | None:
    return exc.status if isinstance(exc, ApiException) else None


def body_of(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")


def retryable(exc: BaseException) -> bool:
    """429 (except "monthly limit", which waiting will not cure), 5xx, timeouts, lost connections."""
    status = status_of(exc)
    if status is not None:
        if status == 429:
            return "monthly limit" not in body_of(exc).lower()
        return status >= 500
    return isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError, ConnectionError))


def retry_after(exc: BaseException) -> float | None:
    headers = getattr(exc, "headers", None)
    return retry_after_header(headers.get("Retry-After") if headers else None)


def describe(exc: BaseException) -> str:
    """A short, secret-free account of a failure for the log (status and LINE's message)."""
    status = status_of(exc)
    if status is None:
        return type(exc).__name__
    return f"HTTP {status} {body_of(exc)[:200]}".strip()


async def with_retries(call: Callable[[], Awaitable[T]], backoff: Backoff, what: str) -> T:
    """``await call()``, retried as ``Backoff.retry`` does for what LINE answers."""
    return await backoff.retry(call, retryable, what, hint=retry_after, describe=describe)
