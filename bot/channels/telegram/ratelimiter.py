"""The outgoing limiter plugged into python-telegram-bot (``ApplicationBuilder.rate_limiter``).

Lives here: ``TelegramLimiter``. Every Bot API call to a chat waits for room in a strict
30/s sliding window (unlike ``AIORateLimiter``, no burst past it), the chat's bucket (about
1/s with a short burst; ``burst: 1`` for broadcasts) or a group's 20 a minute. A
``RetryAfter`` pauses the chat (everyone, for a call without a chat or in a broadcast) and
is retried; network errors are retried with the shared ``Backoff``; anything else goes
back to the caller. Clock and sleep are injectable. Touches nothing but the calls.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.channels.telegram.settings import Limits
from bot.delivery.backoff import Backoff
from bot.delivery.pacing import (
    MONOTONIC,
    SLEEP,
    Clock,
    Limit,
    Pause,
    Sleep,
    SlidingWindow,
    TokenBucket,
    capped,
    wait_for,
)
from bot.delivery.redaction import redact

log = logging.getLogger(__name__)

PRUNE_AT = 8192  # forget idle per-chat limiters when there are more than this many


def retry_after_seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)  # PTB >= 22.2 keeps a timedelta here
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_group(chat_id: object) -> bool:
    """Negative ids and @usernames are groups and channels."""
    try:
        return int(chat_id) < 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


class TelegramLimiter(BaseRateLimiter[dict]):
    def __init__(
        self,
        limits: Limits | None = None,
        clock: Clock = MONOTONIC,
        sleep: Sleep = SLEEP,
        rng: Callable[[], float] = random.random,
    ):
        self.limits = limits or Limits()
        self.clock, self.sleep = clock, sleep
        lim = self.limits
        self.backoff = Backoff(base=lim.backoff_seconds, cap=lim.max_backoff_seconds, jitter=0.2, rng=rng)
        per_second = self.limits.overall_per_second
        self.overall: SlidingWindow | None = SlidingWindow(per_second, 1.0) if per_second else None
        self._paused = Pause()  # RetryAfter on a call without a chat, or in a broadcast
        self._chats: dict[object, TokenBucket | SlidingWindow | Pause] = {}
        self.retries = {"retry_after": 0, "network": 0}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_limit(self, chat_id: object) -> TokenBucket | SlidingWindow | Pause:
        limit = self._chats.get(chat_id)
        if limit is None:
            if len(self._chats) >= PRUNE_AT:
                now = self.clock()
                for key in [k for k, v in self._chats.items() if v.idle(now)]:
                    del self._chats[key]
            group, private = self.limits.group_per_minute, self.limits.chat_per_second
            if is_group(chat_id):
                limit = SlidingWindow(group, 60.0) if group else Pause()
            else:
                limit = TokenBucket(private, self.limits.chat_burst) if private else Pause()
            self._chats[chat_id] = limit
        return limit

    def _limits_for(self, chat_id: object, args: dict) -> list[Limit]:
        chat = self._chat_limit(chat_id)
        limits: list[Limit] = [self._paused, capped(chat, args.get("burst")) if isinstance(chat, TokenBucket) else chat]
        if self.overall is not None:
            limits.append(self.overall)
        return limits

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict | list[dict]:
        options = rate_limit_args or {}
        chat_id = data.get("chat_id")
        failures = 0
        while True:
            if chat_id is not None:
                await wait_for(self._limits_for(chat_id, options), self.clock, self.sleep)
            else:
                await wait_for([self._paused], self.clock, self.sleep)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if failures >= self.limits.max_retries or wait > self.limits.max_retry_after:
                    raise
                failures += 1
                self.retries["retry_after"] += 1
                until = self.clock() + wait
                if chat_id is not None:
                    self._chat_limit(chat_id).pause(until)
                if chat_id is None or options.get("bulk"):
                    self._paused.pause(until)
                log.warning("Telegram asked to wait %.1f s (%s); retrying", wait, endpoint)
                await self.sleep(wait)
            except BadRequest:
                raise
            except NetworkError as exc:  # TimedOut included
                if failures >= self.limits.max_retries:
                    raise
                failures += 1
                delay = self.backoff.delay(failures)
                self.retries["network"] += 1
                log.warning("%s failed (%s); retry %d in %.1f s", endpoint, redact(exc), failures, delay)
                await self.sleep(delay)
