"""The bot's sense of time: now in Asia/Tokyo, replaceable in tests.

``Clock`` is a callable returning an aware datetime; ``SystemClock`` is the real
one, ``FixedClock`` a frozen one for tests and benchmarks.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import TIMEZONE

TOKYO = ZoneInfo(TIMEZONE)


class SystemClock:
    def __call__(self) -> datetime:
        return datetime.now(TOKYO)


class FixedClock:
    def __init__(self, when: datetime):
        self.when = when if when.tzinfo else when.replace(tzinfo=TOKYO)

    def __call__(self) -> datetime:
        return self.when
