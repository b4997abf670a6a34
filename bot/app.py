"""Assembling the bot: knowledge, shop listing, database, demo data, engine.

Lives here: ``App`` (what a channel runs on: knowledge, shops, the bundle of stores, the
engine) and ``open_app``. Every channel and
command starts the bot through here, so they all share one understanding. While
the app runs it follows edits of the shop listing (``App.watch_shops``): a good
edit is served between two messages, an invalid one is refused whole, and an edit saved by
another process (another host) is brought here at once (``bot.listing_sync``); a channel process
also runs the retention purge daily (``App.keep_tidy``, ``bot.upkeep``), and the
conversation store forgets context after the policy's silence (``RetentionPolicy``).
Touches the files and the database it is given.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import config
from bot.classes.demo import demo_classes
from bot.classes.topics import TopicTagger
from bot.clock import SystemClock, configured_clock
from bot.data.knowledge import Knowledge, load_knowledge
from bot.data.shops import ShopDirectory, load_shops
from bot.data.watch import INTERVAL as WATCH_INTERVAL
from bot.data.watch import OnError, ShopWatcher, watch_app
from bot.dialogue.engine import Engine
from bot.listing_sync import follow_edits
from bot.store.backend import Backend, open_database
from bot.store.bundle import Stores
from bot.store.retention import RetentionPolicy
from bot.understanding.parser import Understanding
from bot.upkeep import DAY

log = logging.getLogger(__name__)


@dataclass
class App:
    knowledge: Knowledge
    shops: ShopDirectory
    stores: Stores  # every store of the database, built once here (``bot.store.bundle``)
    engine: Engine
    shops_file: Path | None = None
    shop_watcher: ShopWatcher | None = None  # follows edits of shops_file (``watch_shops``)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    _watching: tuple[asyncio.Event, asyncio.Task] | None = field(default=None, repr=False)
    _tidying: tuple[asyncio.Event, asyncio.Task] | None = field(default=None, repr=False)
    clock: Callable = field(default_factory=SystemClock, repr=False)

    @property
    def db(self) -> Backend:
        return self.stores.db

    def current_shops(self) -> ShopDirectory:
        return self.shops

    def watch_shops(self, on_error: OnError | None = None, interval: float = WATCH_INTERVAL) -> ShopWatcher:
        """Serve each good edit of the shop listing from now on (an invalid edit is refused whole
        and ``on_error(path, problems)`` is called, e.g. ``bot.staff.notify.support_notifier``).
        Started by ``open_app``; a channel may set ``app.shop_watcher.on_error`` later."""
        if self.shop_watcher is None:
            self.shop_watcher = watch_app(self, self.shops_file or config.shops_file(), on_error, interval=interval)
            stop = asyncio.Event()
            self._watching = (stop, asyncio.get_running_loop().create_task(self._watch(self.shop_watcher, stop)))
        elif on_error is not None:
            self.shop_watcher.on_error = on_error
        return self.shop_watcher

    async def _watch(self, watcher: ShopWatcher, stop: asyncio.Event) -> None:
        """The watcher's loop, woken at once by an edit another process saved (``listing_sync``)."""
        stop_following = await follow_edits(self.db, self.stores.shop_edits, watcher)
        try:
            await watcher.run(stop)
        finally:
            stop_following()

    def keep_tidy(self, interval: float = DAY) -> None:
        """Run the retention purge now and once a day while the app runs (channel processes do)."""
        from bot.upkeep import run_daily

        if self._tidying is None:
            stop = asyncio.Event()
            task = asyncio.get_running_loop().create_task(
                run_daily(self.stores, self.retention, self.clock, stop, interval)
            )
            self._tidying = (stop, task)

    async def close(self) -> None:
        for running in (self._watching, self._tidying):
            if running is not None:
                stop, task = running
                stop.set()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._watching = self._tidying = None
        await self.db.close()


async def fill_demo(app: App, clock: Callable) -> int:
    """Sample classes for the next four weeks, only into a database with no classes."""
    store = app.stores.classes
    if await store.count():
        return 0
    tagger = TopicTagger(app.knowledge.programme.topics)
    sessions = demo_classes(app.shops, tagger, clock().date(), app.knowledge.municipalities.prefecture.name)
    await store.upsert_many(sessions)
    log.info("demo: %d sample classes added", len(sessions))
    return len(sessions)


async def open_app(
    db_path: str | None = None,
    knowledge_dir: str | Path | None = None,
    shops_file: str | Path | None = None,
    demo: bool = False,
    clock: Callable | None = None,
    knowledge: Knowledge | None = None,
    understanding: Understanding | None = None,
    watch_shops: bool = True,
) -> App:
    """Load and validate all data (raises ``DataError``), open the database, build the engine.

    ``knowledge`` and ``understanding`` may be passed in already loaded (tests do).
    ``watch_shops`` follows edits of the shop listing while the app runs (``App.watch_shops``)."""
    clock = clock or configured_clock()
    knowledge = knowledge or load_knowledge(knowledge_dir or config.knowledge_dir())
    shops_path = Path(shops_file or config.shops_file())
    shops = load_shops(shops_path, knowledge.municipalities.municipalities)
    db = await open_database(db_path or config.db_path()).open()
    try:
        stores = Stores.over(db)
        app = App(knowledge, shops, stores, engine=None, shops_file=shops_path, clock=clock)  # type: ignore[arg-type]
        app.engine = Engine(knowledge, app.current_shops, stores, clock=clock, understanding=understanding)
        app.retention = RetentionPolicy.from_days(config.retention_days())
        stores.conversations.expire_after(app.retention.conversations, clock)
        if demo:
            await fill_demo(app, clock)
        if watch_shops:
            app.watch_shops()
    except BaseException:
        await db.close()
        raise
    app.engine.understanding.warm_up(clock().date())
    # Loading leaves much garbage and many long-lived objects: collect once now and
    # move the survivors out of the collector's way, so no resident waits for a
    # full collection later.
    gc.collect()
    gc.freeze()
    return app
