"""Delivering one staff broadcast to the Telegram subscribers of a municipality.

Lives here: ``Broadcasts`` (previews waiting for their confirm button; a confirm takes the
preview away, so a second press sends nothing) and ``deliver``, which fixes the recipients
when it starts (``ResidentStore.recipients(city, channel="telegram")``: blocked residents
are not among them), sends through a pool of workers paced evenly at ``broadcast_per_second`` —
below the limiter's overall 30/s, so residents' replies keep room — with each chat held to one message a second (``burst`` 1), and counts what happened:
sent, failed, blocked (``Forbidden``: the resident is marked blocked by the sender).
Touches the Bot API through the ``Sender`` and the residents' store.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

from bot.channels.telegram.adapter import Outcome, Sender, chat_of
from bot.channels.telegram.pacing import MONOTONIC, SLEEP, Clock, Sleep, TokenBucket, wait_for
from bot.store.residents import ResidentStore

log = logging.getLogger(__name__)

PREVIEW_TTL = 15 * 60.0  # seconds a preview can be confirmed
WORKERS = 16  # concurrent sends (the pacing, not the workers, sets the rate)
BULK = {"bulk": True, "burst": 1}  # rate_limit_args of a broadcast message


@dataclass(frozen=True)
class PendingBroadcast:
    id: str
    actor: str
    city: str
    text: str
    count: int
    created: float


@dataclass(frozen=True)
class Report:
    city: str
    total: int
    sent: int
    failed: int
    blocked: int
    seconds: float

    @property
    def outcome(self) -> str:
        return f"total={self.total} sent={self.sent} failed={self.failed} blocked={self.blocked}"


class Broadcasts:
    """Previews waiting for a confirm, by id."""

    def __init__(self, clock: Clock = MONOTONIC, ttl: float = PREVIEW_TTL):
        self.clock, self.ttl = clock, ttl
        self._pending: dict[str, PendingBroadcast] = {}

    def prepare(self, actor: str, city: str, text: str, count: int) -> PendingBroadcast:
        now = self.clock()
        for key in [k for k, p in self._pending.items() if now - p.created > self.ttl]:
            del self._pending[key]
        pending = PendingBroadcast(secrets.token_hex(6), actor, city, text, count, now)
        self._pending[pending.id] = pending
        return pending

    def peek(self, broadcast_id: str) -> PendingBroadcast | None:
        pending = self._pending.get(broadcast_id)
        if pending is not None and self.clock() - pending.created > self.ttl:
            del self._pending[broadcast_id]
            return None
        return pending

    def take(self, broadcast_id: str) -> PendingBroadcast | None:
        """The preview, removed: whoever takes it first is the only one to send it."""
        pending = self.peek(broadcast_id)
        if pending is not None:
            del self._pending[broadcast_id]
        return pending

    def __len__(self) -> int:
        return len(self._pending)


async def deliver(
    sender: Sender,
    residents: ResidentStore,
    city: str,
    text: str,
    per_second: int | None = 25,
    clock: Clock = MONOTONIC,
    sleep: Sleep = SLEEP,
    workers: int = WORKERS,
) -> Report:
    started = clock()
    recipients = [s.user_key for s in await residents.recipients(city, channel="telegram")]
    counts = {outcome: 0 for outcome in Outcome}
    # Evenly spaced (one every 1/per_second s, no burst): never more than per_second in any
    # one second, and no bunching that network jitter could push over Telegram's limit.
    window = [TokenBucket(per_second, 1)] if per_second else []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for key in recipients:
        queue.put_nowait(key)

    async def worker() -> None:
        while True:
            try:
                key = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            chat_id = chat_of(key)
            if chat_id is None:
                counts[Outcome.FAILED] += 1
                continue
            await wait_for(window, clock, sleep)
            try:
                counts[await sender.text(chat_id, text, rate_limit_args=BULK)] += 1
            except Exception:  # one recipient's trouble must not stop the others
                log.exception("broadcast to %s failed", key)
                counts[Outcome.FAILED] += 1

    await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(recipients))))))
    return Report(
        city=city,
        total=len(recipients),
        sent=counts[Outcome.SENT],
        failed=counts[Outcome.FAILED],
        blocked=counts[Outcome.BLOCKED],
        seconds=clock() - started,
    )
