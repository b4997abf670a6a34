"""One per-resident ordering: a resident's turns run one at a time in arrival order, other
residents' at the same time, and no lock is kept once nobody holds or waits for it."""

from __future__ import annotations

import asyncio

from bot.delivery.ordering import KeyedLocks


async def test_one_residents_turns_in_order_others_alongside():
    locks, done, running = KeyedLocks(), [], set()

    async def turn(key: str, n: int, wait: float) -> None:
        async with locks(key):
            assert key not in running
            running.add(key)
            await asyncio.sleep(wait)
            done.append((key, n))
            running.discard(key)

    await asyncio.gather(turn("a", 1, 0.03), turn("a", 2, 0.0), turn("b", 1, 0.0), turn("a", 3, 0.0))
    assert [n for k, n in done if k == "a"] == [1, 2, 3]
    assert done.index(("b", 1)) < done.index(("a", 1))  # b did not wait for a
    assert len(locks) == 0


async def test_a_cancelled_waiter_leaves_no_lock_behind():
    locks = KeyedLocks()
    async with locks("a"):
        waiter = asyncio.create_task(locks("a").__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
    assert len(locks) == 0
