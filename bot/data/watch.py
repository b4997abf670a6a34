"""The running bot follows edits to ``shops.yaml``: a good edit is served at once, a bad one
never.

Lives here: ``ShopWatcher`` (``check`` once, or ``run`` until stopped; ``wake`` makes it look
at once) and ``watch_app``
(a watcher that swaps ``App.shops``, which the engine reads through
``App.current_shops`` between two messages).

The file is polled (size, modification time, inode; no platform file-watch API, so it
works the same on every system and on network drives). A changed file is hashed in a thread, and
parsed and validated in a child process at the lowest CPU priority
(``bot.data.listing_process``), never on the event loop; its shops come back in pieces taken
between two messages, the new listing is swapped in at once, and the one it replaces is freed a
piece at a time between messages too. A change is loaded only when the file has stopped
changing for ``settle`` seconds, so an editor's half-written save is not read, and a file that
changed again while it was being checked is checked again before anything is swapped. The new
listing is validated whole by the same checks as at start-up (``checked_listing``): if any
entry is wrong, nothing of it is used — the last good listing keeps serving — and the problems
(``file:line: field: message``) are logged and handed to ``on_error`` (e.g.
``bot.staff.notify.support_notifier``, which tells the support staff). The same broken content is reported once, not on every poll. Reads the file;
writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.data.listing_process import ListingProcessError, load_in_child
from bot.data.schema import Municipality
from bot.data.shops import ShopDirectory
from bot.data.yaml_lines import DataError

log = logging.getLogger(__name__)

INTERVAL = 2.0
SETTLE = 0.5
RECHECKS = 3  # times a file that changed while it was being checked is checked again
RETIRE_AFTER = 2.0  # seconds a replaced listing is kept for the turns still using it

OnReload = Callable[[ShopDirectory], Any]
OnError = Callable[[Path, list[str]], Any]


def _signature(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


_retiring: set[asyncio.Task] = set()  # replaced listings being freed (a task needs a reference)


async def _retire(directory: ShopDirectory) -> None:
    """A replaced listing, freed a piece at a time between messages once the turns that were
    using it are over."""
    await asyncio.sleep(RETIRE_AFTER)
    for _ in directory.dismantle_steps():
        await asyncio.sleep(0)


def retire(directory: ShopDirectory) -> None:
    """Free ``directory`` (just replaced) beside the running event loop."""
    task = asyncio.get_running_loop().create_task(_retire(directory))
    _retiring.add(task)
    task.add_done_callback(_retiring.discard)


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value


class ShopWatcher:
    def __init__(
        self,
        path: str | Path,
        municipalities: list[Municipality],
        apply: OnReload,
        on_error: OnError | None = None,
        interval: float = INTERVAL,
        settle: float = SETTLE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.path = Path(path)
        self.municipalities = municipalities
        self.apply = apply
        self.on_error = on_error
        self.interval = interval
        self.settle = settle
        self.sleep = sleep
        self._signature = _signature(self.path)  # the listing in use was loaded from this
        self._digest: str | None = None  # its content, known after the first change (start-up stays cheap)
        self._refused: str | None = None  # the content last refused (reported once)
        self._checking: str | None = None  # the content being checked
        self.reloads = 0
        self.refusals = 0
        self.last_problems: list[str] = []
        self._woken = asyncio.Event()  # look now, not at the next interval (``wake``)

    def wake(self) -> None:
        """Look now rather than at the end of the interval (another process saved an edit,
        and the file has been replaced whole: no waiting for it to settle)."""
        self._woken.set()

    async def check(self, whole: bool = False) -> str:
        """Look once: ``unchanged``, ``reloaded`` or ``refused``. ``whole``: the file is known
        to have been replaced whole (renamed over, as ``listing_sync`` writes it), so there is
        no half-written save to wait out."""
        signature = _signature(self.path)
        if signature == self._signature:
            return "unchanged"
        # Wait until the file stops changing (an editor may still be writing it).
        while not whole:
            await self.sleep(self.settle)
            again = _signature(self.path)
            if again == signature:
                break
            signature = again
        self._signature = signature
        digest = await asyncio.to_thread(_digest, self.path)  # a large listing: not on the event loop
        if digest is not None and digest == self._digest:
            return "unchanged"  # touched or rewritten with the same content
        if digest is not None and digest == self._refused:
            return "refused"  # the same broken content: already reported
        self._checking = digest
        try:
            directory = await self._load(signature)
        except Exception as exc:  # DataError names file, line and field; anything else is refused too
            return await self._refuse(exc, None if isinstance(exc, ListingProcessError) else self._checking)
        if directory is None:
            return "unchanged"  # it kept changing while it was checked: the next look loads it
        self._digest, self._refused = self._checking, None
        self.reloads += 1
        self.last_problems = []
        await _maybe_await(self.apply(directory))
        log.info("shop listing %s reloaded: %d entries (as of %s)", self.path, len(directory), directory.as_of)
        return "reloaded"

    async def _load(self, signature: tuple | None) -> ShopDirectory | None:
        """The listing as it is when its check ends; None if it changed during every check."""
        for _ in range(RECHECKS):
            if signature is None:
                raise DataError([f"{self.path}: file not found (the last good listing keeps serving)"])
            directory = await load_in_child(self.path, self.municipalities)
            again = _signature(self.path)
            if again == signature:
                return directory
            log.info("shop listing %s changed while it was checked: checking it again", self.path)
            signature = self._signature = again
            self._checking = await asyncio.to_thread(_digest, self.path)
        self._signature = None  # not loaded: the next look sees a change
        return None

    async def _refuse(self, exc: Exception, digest: str | None) -> str:
        """Refuse the edit (``digest``: its content, not tried again until it changes)."""
        problems = list(exc.problems) if isinstance(exc, DataError) else [f"{self.path}: {type(exc).__name__}: {exc}"]
        self._refused = digest
        self.refusals += 1
        self.last_problems = problems
        log.error(
            "shop listing %s refused, the last good listing keeps serving:\n  %s", self.path, "\n  ".join(problems)
        )
        if self.on_error is not None:
            try:
                await _maybe_await(self.on_error(self.path, problems))
            except Exception:  # noqa: BLE001 - a failed notice must not stop the watching
                log.exception("could not report the refused shop listing")
        return "refused"

    async def run(self, stop: asyncio.Event) -> None:
        """Look every ``interval`` seconds, or at once when woken, until ``stop`` (a new
        ``interval`` applies within 0.5 s)."""
        while not stop.is_set():
            woken = self._woken.is_set()
            self._woken.clear()
            try:
                await self.check(whole=woken)
            except Exception:  # noqa: BLE001
                log.exception("checking %s failed", self.path)
            await self._rest(stop)

    async def _rest(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        looked = loop.time()
        while not stop.is_set() and not self._woken.is_set() and loop.time() - looked < self.interval:
            try:
                await asyncio.wait_for(self._woken.wait(), timeout=min(self.interval, 0.5))
            except TimeoutError:
                pass


def watch_app(app, path: str | Path, on_error: OnError | None = None, **options: Any) -> ShopWatcher:
    """A watcher that makes ``app`` serve each good edit of ``path``; start it with
    ``asyncio.create_task(watcher.run(stop))``."""

    def apply(directory: ShopDirectory) -> None:
        old, app.shops = app.shops, directory
        retire(old)

    return ShopWatcher(path, app.knowledge.municipalities.municipalities, apply, on_error, **options)
