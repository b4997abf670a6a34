"""The retention purge as a process runs it: once now and then once a day.

Lives here: ``purge_now`` (run ``bot.store.retention.Purger`` at the clock's time and write
what it deleted to the audit log as ``system:retention``) and ``run_daily`` (the loop a
channel process runs until it stops: ``madoguchi line`` and ``madoguchi telegram`` start it
through ``App.keep_tidy``). A purge that fails is logged and tried again the next day; it
never stops the bot. Touches the database through the stores.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.store.bundle import Stores
from bot.store.retention import Purger, RetentionPolicy

log = logging.getLogger(__name__)

DAY = 24 * 3600.0
ACTOR = "system:retention"


def describe(done: dict[str, int]) -> str:
    return ", ".join(f"{kind}={count}" for kind, count in done.items())


async def purge_now(
    stores: Stores, policy: RetentionPolicy, clock: Callable[[], datetime], actor: str = ACTOR
) -> dict[str, int]:
    done = await Purger(stores.db, policy).purge(clock())
    await stores.audit.record(actor, "maintenance.purge", None, f"ok: {describe(done)}")
    log.info("retention purge: %s", describe(done))
    return done


async def run_daily(
    stores: Stores, policy: RetentionPolicy, clock: Callable[[], datetime], stop: asyncio.Event, interval: float = DAY
) -> None:
    """Purge now, then every ``interval`` seconds, until ``stop`` is set."""
    while not stop.is_set():
        try:
            await purge_now(stores, policy, clock)
        except Exception:  # noqa: BLE001 - tried again tomorrow; the bot goes on
            log.exception("the retention purge failed; it runs again in %.0f s", interval)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
