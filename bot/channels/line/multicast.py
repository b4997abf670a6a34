"""Class news to many residents on LINE: multicast in batches, within the monthly quota.

Lives here: ``Multicaster`` (the quota check, then batches of at most 500 user IDs,
each with its own ``X-Line-Retry-Key``, retried with backoff on 429, 5xx and
timeouts, a few batches in flight, under LINE's request rate), ``Quota``,
``QuotaExceeded`` (refuses before anything is sent, stating the numbers),
``MulticastReport`` and ``line_recipients`` (the LINE subscribers of a
municipality who have not blocked the bot).

A batch's retry key is derived from the broadcast id and the batch's user IDs, so
sending the same broadcast again (after a crash, or a second press of "send")
gets 409 from LINE for every batch it already accepted instead of a double send.
Talks to the LINE API; reads subscriptions through ``ResidentStore``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from linebot.v3.messaging import AsyncMessagingApi, Message, MulticastRequest

from bot.channels.line.delivery import DEFAULT_TIMEOUT, already_accepted, retry_key
from bot.channels.line.events import CHANNEL
from bot.channels.line.render import MAX_MESSAGES
from bot.channels.line.retry import Backoff, describe, with_retries
from bot.store.residents import ResidentStore

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 500  # user IDs per multicast call
MULTICAST_RPS = 150.0  # LINE allows 200 multicast requests a second; stay below it
CONCURRENCY = 4


@dataclass(frozen=True)
class Quota:
    """This month's message quota: ``limit`` None means no upper limit."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


class QuotaExceeded(Exception):
    """The broadcast needs more messages than this month has left; nothing was sent."""

    def __init__(self, needed: int, quota: Quota):
        self.needed, self.quota = needed, quota
        super().__init__(
            f"配信を中止しました：この配信には {needed:,} 通が必要ですが、今月の残りは {quota.remaining:,} 通です"
            f"（上限 {quota.limit:,} 通、送信済み {quota.used:,} 通）。 / "
            f"Broadcast refused: it needs {needed:,} messages but only {quota.remaining:,} remain this month "
            f"(limit {quota.limit:,}, used {quota.used:,}). Nothing was sent."
        )


@dataclass
class MulticastReport:
    recipients: int
    batches: int
    sent: int = 0  # recipients of batches LINE accepted now
    already_sent: int = 0  # recipients of batches LINE had accepted before (409: not sent twice)
    failed: list[str] = field(default_factory=list)  # user IDs of batches that failed for good
    seconds: float = 0.0

    @property
    def delivered(self) -> int:
        return self.sent + self.already_sent


class RateLimiter:
    """Starts at most ``rate`` requests a second (None: no limit)."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


def _batch_key(broadcast_id: str, number: int, batch: list[str]) -> str:
    digest = hashlib.sha256("\n".join(batch).encode("utf-8")).hexdigest()
    return retry_key("multicast", broadcast_id, str(number), digest)


class Multicaster:
    def __init__(
        self,
        api: AsyncMessagingApi,
        backoff: Backoff | None = None,
        batch_size: int = MAX_RECIPIENTS,
        concurrency: int = CONCURRENCY,
        max_rps: float | None = MULTICAST_RPS,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        if not 1 <= batch_size <= MAX_RECIPIENTS:
            raise ValueError(f"batch_size must be 1..{MAX_RECIPIENTS}")
        self.api = api
        self.backoff = backoff or Backoff()
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)
        self.max_rps = max_rps
        self.timeout = timeout

    async def quota(self) -> Quota:
        limit = await with_retries(
            lambda: self.api.get_message_quota(_request_timeout=self.timeout), self.backoff, "LINE quota"
        )
        usage = await with_retries(
            lambda: self.api.get_message_quota_consumption(_request_timeout=self.timeout),
            self.backoff,
            "LINE quota consumption",
        )
        return Quota(limit=limit.value if limit.type == "limited" else None, used=int(usage.total_usage or 0))

    async def check_quota(self, needed: int) -> Quota:
        """The quota now; ``QuotaExceeded`` when ``needed`` messages do not fit.
        LINE counts a multicast by its recipients, however many bubbles each gets."""
        quota = await self.quota()
        if quota.remaining is not None and needed > quota.remaining:
            raise QuotaExceeded(needed, quota)
        return quota

    async def send(
        self, user_ids: Iterable[str], messages: list[Message], broadcast_id: str, check_quota: bool = True
    ) -> MulticastReport:
        """Send ``messages`` (at most 5) to every user ID once. ``broadcast_id`` names the
        broadcast: the same id and recipients give the same retry keys."""
        if not 1 <= len(messages) <= MAX_MESSAGES:
            raise ValueError(f"a multicast carries 1..{MAX_MESSAGES} messages")
        ids = list(dict.fromkeys(u for u in user_ids if u))
        batches = [ids[i : i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        report = MulticastReport(recipients=len(ids), batches=len(batches))
        if not ids:
            return report
        if check_quota:
            await self.check_quota(len(ids))
        started = time.perf_counter()
        limiter = RateLimiter(self.max_rps)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(number: int, batch: list[str]) -> None:
            request = MulticastRequest(to=batch, messages=messages)
            key = _batch_key(broadcast_id, number, batch)

            async def call():
                await limiter.wait()
                return await self.api.multicast(request, x_line_retry_key=key, _request_timeout=self.timeout)

            async with gate:
                try:
                    await with_retries(call, self.backoff, f"LINE multicast batch {number + 1}/{len(batches)}")
                except Exception as exc:  # noqa: BLE001
                    if already_accepted(exc):
                        report.already_sent += len(batch)
                        return
                    log.error("LINE multicast batch %d/%d failed: %s", number + 1, len(batches), describe(exc))
                    report.failed.extend(batch)
                    return
                report.sent += len(batch)

        await asyncio.gather(*(one(n, b) for n, b in enumerate(batches)))
        report.seconds = time.perf_counter() - started
        log.info(
            "LINE multicast %s: %d sent, %d sent before, %d failed, %.2fs",
            broadcast_id,
            report.sent,
            report.already_sent,
            len(report.failed),
            report.seconds,
        )
        return report


async def line_recipients(residents: ResidentStore, municipality: str) -> list[str]:
    """LINE user IDs subscribed to ``municipality``'s class news (blocked residents excluded)."""
    prefix = CHANNEL + ":"
    subs = await residents.recipients(municipality, channel=CHANNEL)
    return [s.user_key[len(prefix) :] for s in subs if s.user_key.startswith(prefix)]
