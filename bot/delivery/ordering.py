"""One per-resident ordering for every channel: a resident's messages are answered in the
order sent while other residents are served side by side.

Lives here: ``KeyedLocks`` — ``async with locks(key):`` holds one FIFO lock per key
(``asyncio.Lock`` wakes its waiters in order, so handlers started in arrival order run in
arrival order); a lock nobody holds or waits for is dropped. Pure asyncio.
"""

from __future__ import annotations

import asyncio
from collections import Counter


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    def __call__(self, key: str) -> _Held:
        return _Held(self, key)

    def __len__(self) -> int:
        return len(self._locks)

    def _enter(self, key: str) -> asyncio.Lock:
        self._users[key] += 1
        return self._locks.setdefault(key, asyncio.Lock())

    def _leave(self, key: str) -> None:
        self._users[key] -= 1
        if self._users[key] <= 0:
            del self._users[key]
            del self._locks[key]


class _Held:
    __slots__ = ("locks", "key")

    def __init__(self, locks: KeyedLocks, key: str):
        self.locks, self.key = locks, key

    async def __aenter__(self) -> None:
        lock = self.locks._enter(self.key)
        try:
            await lock.acquire()
        except BaseException:
            self.locks._leave(self.key)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.locks._locks[self.key].release()
        self.locks._leave(self.key)
