"""The webhook dispatcher's report, as a health endpoint shows it: what it accepts,
holds, has handled and has failed, counted over real tasks."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery.dispatch import Dispatcher


@dataclass(frozen=True)
class Event:
    user_id: str
    event_id: str


async def test_the_stats_count_what_was_handled_and_what_failed():
    async def handle(event: Event) -> None:
        if event.event_id == "bad":
            raise RuntimeError("boom")

    dispatcher = Dispatcher(handle, workers=2)
    assert dispatcher.stats() == {"accepting": False, "queued": 0, "handled": 0, "failed": 0, "workers": 2}
    dispatcher.start()
    assert dispatcher.offer([Event("u1", "ok"), Event("u1", "bad"), Event("u2", "ok")])
    await dispatcher.idle()
    assert dispatcher.stats() == {"accepting": True, "queued": 0, "handled": 3, "failed": 1, "workers": 2}
    assert await dispatcher.stop() == 0
    assert dispatcher.stats()["accepting"] is False
