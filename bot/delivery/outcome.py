"""The one delivery-outcome vocabulary: what became of one message to one resident, for
the broadcast engine, the reminders and every channel's replies alike.

Lives here: ``Status`` — ``SENT`` (the platform accepted it), ``BLOCKED`` (the resident
blocked the bot or unfollowed: never sent to again), ``FAILED`` (a permanent refusal),
``RETRY`` (a passing trouble: 429, 5xx, timeout), ``NOT_SENT`` (nothing was attempted:
a reply token expired with the push fallback off) — and ``Result`` (a status with the
reason and the platform's ``retry_after``). Pure data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(str, enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    RETRY = "retry"
    NOT_SENT = "not_sent"


@dataclass(frozen=True)
class Result:
    status: Status
    error: str | None = None
    retry_after: float | None = None

    @classmethod
    def sent(cls) -> Result:
        return _SENT

    @classmethod
    def blocked(cls, error: str | None = None) -> Result:
        return cls(Status.BLOCKED, error)

    @classmethod
    def failed(cls, error: str) -> Result:
        return cls(Status.FAILED, error)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Result:
        return cls(Status.RETRY, error, retry_after)

    @classmethod
    def not_sent(cls, error: str) -> Result:
        return cls(Status.NOT_SENT, error)


_SENT = Result(Status.SENT)
