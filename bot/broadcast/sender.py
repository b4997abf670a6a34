"""The seam between the broadcast engine and a channel: the ``Sender`` protocol.

Lives here: ``Sender`` (what a channel implements to deliver broadcasts and reminders),
``Result`` and ``Status`` (one recipient's outcome), and ``ConsoleSender`` (writes
JSON lines in the shape of ``madoguchi chat --jsonl``, for ``console:`` residents and
for trying a broadcast without any platform).

A sender delivers one text to a batch of user keys (``telegram:42``, ``line:U…``; the
part before the colon is the sender's ``channel``) and answers for each key:

- ``SENT``    — the platform accepted it;
- ``BLOCKED`` — the resident blocked the bot / unfollowed (never sent to again);
- ``FAILED``  — a permanent refusal (bad chat id, message refused): not retried;
- ``RETRY``   — a passing trouble (429, 5xx, timeout): tried again after a backoff, or
  after ``retry_after`` seconds when the platform said so (Telegram ``RetryAfter``).

A key missing from the answer counts as ``RETRY``; an exception from ``send`` counts
as ``RETRY`` for the whole batch. ``key`` names the batch the same way on every
attempt (broadcast id + recipients), so a platform with idempotency keys (LINE's
``X-Line-Retry-Key``) can refuse a repeat instead of delivering twice.

Optionally, ``async preflight(count) -> Shortfall | str | None`` says before a broadcast why
``count`` recipients cannot all be sent to now (LINE: this month's message quota,
``bot.broadcast.shortfall``); the preview shows it in the staff's words.

The engine paces calls by the sender's own limits: ``max_batch`` recipients per call
(Telegram 1, LINE multicast 500), ``rate_per_s`` calls in any one-second window (None:
no limit), ``per_recipient_interval`` seconds between two messages to one recipient
(Telegram about 1 s per chat), ``concurrency`` calls in flight at once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import IO, Protocol, runtime_checkable

from bot.delivery.outcome import Result, Status

__all__ = ["ConsoleSender", "Result", "Sender", "Status"]


@runtime_checkable
class Sender(Protocol):
    """What a channel gives the broadcast engine (see the module's docstring)."""

    channel: str
    max_batch: int
    rate_per_s: float | None
    per_recipient_interval: float | None
    concurrency: int

    async def send(self, user_keys: list[str], text: str, *, key: str) -> Mapping[str, Result]: ...


def limits_of(sender: Sender) -> tuple[int, float | None, float | None, int]:
    """``(max_batch, rate_per_s, per_recipient_interval, concurrency)`` with defaults for
    a sender that leaves some out."""
    return (
        max(1, int(getattr(sender, "max_batch", 1) or 1)),
        getattr(sender, "rate_per_s", None) or None,
        getattr(sender, "per_recipient_interval", None) or None,
        max(1, int(getattr(sender, "concurrency", 4) or 1)),
    )


class ConsoleSender:
    """``console:`` residents: one JSON line per recipient, as ``madoguchi chat --jsonl`` writes."""

    channel = "console"
    max_batch = 1
    rate_per_s: float | None = None
    per_recipient_interval: float | None = None
    concurrency = 1

    def __init__(self, out: IO[str] | None = None):
        self.out = out or sys.stdout

    async def send(self, user_keys: list[str], text: str, *, key: str) -> Mapping[str, Result]:
        for user_key in user_keys:
            user = user_key.partition(":")[2]
            line = {"user": user, "replies": [{"text": text, "buttons": [], "links": []}], "broadcast": key}
            self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()
        return {k: Result.sent() for k in user_keys}
