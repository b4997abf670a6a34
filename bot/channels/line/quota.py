"""This month's LINE message quota, checked before a broadcast.

Lives here: ``Quota`` (the limit, None for none, and what was used) and ``read_quota``
(both look-ups, retried with the shared backoff on 429, 5xx and timeouts). Talks to the
LINE API only.
"""

from __future__ import annotations

from dataclasses import dataclass

from linebot.v3.messaging import AsyncMessagingApi

from bot.channels.line.retry import with_retries
from bot.delivery.backoff import Backoff


@dataclass(frozen=True)
class Quota:
    """This month's message quota: ``limit`` None means no upper limit."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


async def read_quota(api: AsyncMessagingApi, backoff: Backoff, timeout: float) -> Quota:
    limit = await with_retries(lambda: api.get_message_quota(_request_timeout=timeout), backoff, "LINE quota")
    usage = await with_retries(
        lambda: api.get_message_quota_consumption(_request_timeout=timeout), backoff, "LINE quota consumption"
    )
    return Quota(limit=limit.value if limit.type == "limited" else None, used=int(usage.total_usage or 0))
