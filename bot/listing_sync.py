"""Shop-listing edits saved by another process, served here at once.

Lives here: ``follow_edits``. PostgreSQL tells every process of a saved edit
(``Backend.listen("shops")``, the id of its ``shop_edits`` row); this process then reads the
edit and brings its own ``shops.yaml`` to it (``bring_up_to_date``): a file that already holds
the edit's text (a shared volume, or this process saved it) is left as it is; a file that still
holds the text the edit started from (another host's copy) gets the edit's text, written
atomically; a file that holds neither was changed here meanwhile and is left alone (overwriting
it would lose that change; logged for the support staff). Then the watcher looks at once
(``ShopWatcher.wake``), and validates what it reads as it does any edit: a bad file is refused
whole and the last good listing keeps serving. Edits are applied one at a time, in the order
they were told; after notices were lost a while (``""``), the latest edit is. On SQLite
nothing is told: the watcher's polling sees a shared file's edits.
Touches the shop listing file and the database through ``ShopEdits``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from bot.data.shop_edit import replace_atomically
from bot.data.watch import ShopWatcher
from bot.store.backend import Backend
from bot.store.shop_edits import ShopEdit, ShopEdits

log = logging.getLogger(__name__)


def bring_up_to_date(path: Path, edit: ShopEdit) -> str:
    """``path`` brought to ``edit``'s text: ``had``, ``written``, ``diverged`` or ``failed``."""
    try:
        here = path.read_text(encoding="utf-8") if path.exists() else None
        if here == edit.after:
            return "had"
        if here != edit.before:
            return "diverged"
        replace_atomically(path, edit.after)
        return "written"
    except (OSError, UnicodeDecodeError):
        log.exception("shop edit #%s could not be written to %s", edit.id, path)
        return "failed"


async def follow_edits(db: Backend, edits: ShopEdits, watcher: ShopWatcher) -> Callable[[], None]:
    """Follow the edits other processes save, from now on; returns what stops it."""
    turn = asyncio.Lock()  # FIFO: edits applied in the order they were told
    running: set[asyncio.Task] = set()

    async def apply(edit_id: int | None) -> None:
        async with turn:
            edit = await edits.get(edit_id) if edit_id is not None else next(iter(await edits.latest(1)), None)
            if edit is None:
                return
            outcome = await asyncio.to_thread(bring_up_to_date, watcher.path, edit)
            if outcome == "diverged":
                log.warning(
                    "shop edit #%s (by %s) not applied to %s: the file was changed here meanwhile; "
                    "save the listing again in the web console to bring this copy up to date",
                    edit.id,
                    edit.actor,
                    watcher.path,
                )
                return
            log.info("shop edit #%s saved elsewhere: %s (%s)", edit.id, outcome, watcher.path)
            watcher.wake()

    def heard(payload: str) -> None:
        if payload and not payload.isdigit():
            return
        task = asyncio.get_running_loop().create_task(apply(int(payload) if payload else None))
        running.add(task)
        task.add_done_callback(running.discard)

    return await db.listen("shops", heard)
