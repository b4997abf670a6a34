"""The bot's sense of time: now in Asia/Tokyo, replaceable in tests.

``Clock`` is a callable returning an aware datetime; ``SystemClock`` is the real
one, ``FixedClock`` a frozen one for tests and benchmarks, and ``configured_clock`` the one a
process runs on: the real one, or a frozen one when ``MADOGUCHI_FIXED_NOW`` (an ISO date and
time) is set — for a reproducible demonstration and for tests that drive the real command.
"""

from __future__ import annotations

import os
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


def configured_clock() -> SystemClock | FixedClock:
    fixed = os.environ.get("MADOGUCHI_FIXED_NOW")
    return FixedClock(datetime.fromisoformat(fixed)) if fixed else SystemClock()
