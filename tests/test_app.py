"""Assembling the bot (``bot.app``): what ``open_app`` leaves behind for the replies that follow."""

import gc

from bot.app import open_app


async def test_start_up_leaves_its_objects_out_of_the_collector(db_target, clock, knowledge, understanding):
    """Loading leaves many long-lived objects: ``open_app`` collects once and freezes the
    survivors, so a collection during a reply never walks the knowledge, shops or indexes."""
    gc.unfreeze()
    app = await open_app(db_target, clock=clock, knowledge=knowledge, understanding=understanding)
    try:
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(app.engine) and not any(o is app.engine for o in gc.get_objects())
    finally:
        await app.close()
