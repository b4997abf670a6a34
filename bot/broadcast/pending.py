"""Broadcast previews waiting for a staff member's confirm button (Telegram's /broadcast;
any chat channel's staff commands).

Lives here: ``Broadcasts`` (previews by id; a confirm takes the preview away, so a second
press sends nothing) and ``PendingBroadcast``, which carries the ``bot.broadcast`` service's
``Preview``. Delivery itself is the broadcast engine's (recipients fixed at the start,
every delivery recorded), through the channel's sender.
Touches nothing but memory.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.broadcast.service import Preview
from bot.delivery.pacing import MONOTONIC, Clock

PREVIEW_TTL = 15 * 60.0  # seconds a preview can be confirmed
WORKERS = 16  # concurrent sends of a staff broadcast (the engine's limiter sets the rate)
BULK = {"bulk": True, "burst": 1}  # rate_limit_args of a broadcast message


@dataclass(frozen=True)
class PendingBroadcast:
    id: str
    actor: str
    city: str
    text: str
    count: int
    created: float
    preview: Preview | None = None  # what BroadcastService.confirm stores


class Broadcasts:
    """Previews waiting for a confirm, by id."""

    def __init__(self, clock: Clock = MONOTONIC, ttl: float = PREVIEW_TTL):
        self.clock, self.ttl = clock, ttl
        self._pending: dict[str, PendingBroadcast] = {}

    def prepare(self, actor: str, city: str, text: str, count: int, preview: Preview | None = None) -> PendingBroadcast:
        now = self.clock()
        for key in [k for k, p in self._pending.items() if now - p.created > self.ttl]:
            del self._pending[key]
        pending = PendingBroadcast(secrets.token_hex(6), actor, city, text, count, now, preview)
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
