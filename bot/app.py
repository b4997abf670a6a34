"""Assembling the bot: knowledge, shop listing, database, demo data, engine.

Lives here: ``App`` (what a channel runs on) and ``open_app``. Every channel and
command starts the bot through here, so they all share one understanding.
Touches the files and the database it is given.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bot import config
from bot.classes.demo import demo_classes
from bot.classes.topics import TopicTagger
from bot.clock import SystemClock
from bot.data.knowledge import Knowledge, load_knowledge
from bot.data.shops import ShopDirectory, load_shops
from bot.dialogue.engine import Engine
from bot.store.classes import ClassStore
from bot.store.database import Database
from bot.understanding.parser import Understanding

log = logging.getLogger(__name__)


@dataclass
class App:
    knowledge: Knowledge
    shops: ShopDirectory
    db: Database
    engine: Engine

    def current_shops(self) -> ShopDirectory:
        return self.shops

    async def close(self) -> None:
        await self.db.close()


async def fill_demo(app: App, clock: Callable) -> int:
    """Sample classes for the next four weeks, only into a database with no classes."""
    store = ClassStore(app.db)
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
) -> App:
    """Load and validate all data (raises ``DataError``), open the database, build the engine.

    ``knowledge`` and ``understanding`` may be passed in already loaded (tests do)."""
    clock = clock or SystemClock()
    knowledge = knowledge or load_knowledge(knowledge_dir or config.knowledge_dir())
    shops = load_shops(shops_file or config.shops_file(), knowledge.municipalities.municipalities)
    db = await Database(db_path or config.db_path()).open()
    try:
        app = App(knowledge, shops, db, engine=None)  # type: ignore[arg-type]
        app.engine = Engine(knowledge, app.current_shops, db, clock=clock, understanding=understanding)
        if demo:
            await fill_demo(app, clock)
    except BaseException:
        await db.close()
        raise
    # Loading leaves much garbage and many long-lived objects: collect once now and
    # move the survivors out of the collector's way, so no resident waits for a
    # full collection later.
    gc.collect()
    gc.freeze()
    return app
