"""Per-resident flood control of incoming messages and button presses.

Lives here: ``FloodGuard``. A resident who sends more than ``limit`` messages within
``window`` seconds gets one calm notice and is then ignored until they slow down, that is
until no more than ``limit`` of their messages (ignored ones included) fall inside the last
``window`` seconds. Pure: no platform, no I/O; the clock is injectable.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from bot.delivery.pacing import MONOTONIC, Clock

PRUNE_EVERY = 4096  # look for residents gone quiet after this many new keys


class Verdict(Enum):
    PASS = "pass"  # handle the message
    NOTICE = "notice"  # the first message over the limit: send the calm notice, nothing else
    IGNORE = "ignore"  # still flooding: drop silently


class FloodGuard:
    def __init__(self, limit: int = 20, window: float = 10.0, clock: Clock = MONOTONIC):
        if limit < 1 or window <= 0:
            raise ValueError("flood control needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[object, deque[float]] = {}
        self._flooding: set[object] = set()
        self._new_keys = 0
        self.notices = 0
        self.ignored = 0

    def check(self, key: object) -> Verdict:
        now = self.clock()
        times = self._seen.get(key)
        if times is None:
            self._new_keys += 1
            if self._new_keys >= PRUNE_EVERY:
                self._prune(now)
            times = self._seen[key] = deque(maxlen=self.limit + 1)
        times.append(now)
        over = len(times) > self.limit and now - times[0] < self.window
        if not over:
            self._flooding.discard(key)
            return Verdict.PASS
        if key in self._flooding:
            self.ignored += 1
            return Verdict.IGNORE
        self._flooding.add(key)
        self.notices += 1
        return Verdict.NOTICE

    def flooding(self, key: object) -> bool:
        return key in self._flooding

    def __len__(self) -> int:
        return len(self._seen)

    def _prune(self, now: float) -> None:
        self._new_keys = 0
        for key in [k for k, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[key]
            self._flooding.discard(key)
