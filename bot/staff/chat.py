"""Staff commands typed in a chat, for any channel: /broadcast with its preview and confirm
button, /reload and /stats.

Lives here: ``StaffChat`` (one channel's staff commands) and ``Pressed`` (what a press of a
preview's button came to). Each command is checked by ``StaffGuard.require`` (refusals
audited there) and only in a private chat; its outcome is audited. /broadcast previews with
``BroadcastService.preview`` and keeps the preview in ``Broadcasts`` until its send button
(``<prefix>:send:<id>``) stores and sends it through the shared ``BroadcastEngine``; a
press with no preview behind it is audited too. /reload asks ``ShopWatcher.check`` (an
invalid listing keeps the old one serving; its problems are the reply), /stats the store's
``ChannelStats`` (municipal staff see only their towns). A confirmed broadcast runs in the
background; ``finish`` waits for it when the process stops. The services are the ones the CLI
uses; a channel only turns its events into these calls and delivers the ``Reply``s. The
words are the ``staff.*`` texts of ``knowledge/texts.yaml``. Touches the store only
through those services.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.pending import Broadcasts, PendingBroadcast
from bot.broadcast.service import BroadcastRefused, BroadcastService
from bot.broadcast.texts import channel_name, report_text
from bot.data.watch import watch_app
from bot.dialogue.cities import by_name
from bot.languages.wording import Wording
from bot.messages import Button, Reply
from bot.staff.guard import NotPermitted, StaffGuard
from bot.store.stats import ChannelStats

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 20
Report = Callable[[Reply], Awaitable[object]]  # how a broadcast's report reaches its sender
_BROADCAST = re.compile(r"^/\S+(?:\s+(\S+))?(?:\s+(.*))?$", re.S)


def broadcast_parts(text: str) -> tuple[str, str]:
    """``/broadcast 宇部市 本文…`` → (city, body); the body keeps its line breaks."""
    match = _BROADCAST.match(text.strip())
    if match is None:
        return "", ""
    return (match.group(1) or "").strip(), (match.group(2) or "").strip()


@dataclass(frozen=True)
class Pressed:
    """A press of a preview's button: what to answer, and whether the preview's buttons have
    done their work (the channel takes them away)."""

    reply: Reply
    settled: bool = True


class StaffChat:
    def __init__(
        self,
        app: App,
        channel: str,
        guard: StaffGuard,
        engine: BroadcastEngine,
        senders: Mapping,
        broadcasts: Broadcasts,
        prefix: str,
        footer: str = "",
    ):
        self.app, self.channel, self.guard, self.engine = app, channel, guard, engine
        self.senders, self.broadcasts, self.prefix, self.footer = senders, broadcasts, prefix, footer
        self.service = BroadcastService(app.stores, app.knowledge, guard)
        self.stats_query = ChannelStats(app.db, channel)
        self.sending: set[asyncio.Task] = set()  # confirmed broadcasts on their way

    def say(self, key: str, lang: str, **values: object) -> Reply:
        return Reply(self.app.knowledge.text(key, lang, **values))

    def _channel(self, lang: str) -> str:
        return channel_name(self.app.knowledge, self.channel, lang)

    async def refusal(
        self, actor: str, action: str, lang: str, target: str | None, city: str | None = None, private: bool = True
    ) -> Reply | None:
        """Why ``actor`` may not do ``action`` here (audited), or None when they may."""
        try:
            await self.guard.require(actor, action, city, target=target)
        except NotPermitted:
            log.warning("%s tried /%s (%s) without permission", actor, action, target or "-")
            return self.say("staff.not_permitted", lang)
        if not private:
            await self.guard.record(actor, action, target, "refused: not a private chat")
            return self.say("staff.private_only", lang)
        return None

    async def broadcast(self, actor: str, command: str, lang: str, private: bool = True) -> Reply:
        """``/broadcast 市町名 本文``: the preview with its send and cancel buttons."""
        knowledge = self.app.knowledge
        typed, body = broadcast_parts(command)
        city = by_name(knowledge, typed)
        refusal = await self.refusal(actor, "broadcast", lang, city or typed or None, city, private)
        if refusal is not None:
            return refusal
        if not typed or not body:
            return self.say("staff.broadcast_usage", lang)
        if city is None:
            names = "、".join(m.name for m in knowledge.municipalities.municipalities)
            return self.say("staff.broadcast_unknown_city", lang, city=typed, cities=names)
        return await self._preview(actor, city, body + self.footer, lang)

    async def _preview(self, actor: str, city: str, message: str, lang: str) -> Reply:
        name, channel = Wording(self.app.knowledge, lang).city(city), self._channel(lang)
        try:
            preview = await self.service.preview(
                actor, city, text=message, channels=[self.channel], senders=self.senders
            )
        except NotPermitted:  # audited by the service's guard
            return self.say("staff.not_permitted", lang)
        except BroadcastRefused as exc:
            await self.guard.record(actor, "broadcast", city, f"refused: {exc}"[:300])
            return Reply(str(exc))
        count = preview.recipients.get(self.channel, 0)
        if count == 0:
            await self.guard.record(actor, "broadcast", city, "nobody to send to")
            return self.say("staff.broadcast_nobody", lang, city=name, channel=channel)
        pending = self.broadcasts.prepare(actor, city, preview.text, count, preview)
        knowledge = self.app.knowledge
        buttons = [
            Button(knowledge.text("staff.button_send", lang, count=count), f"{self.prefix}:send:{pending.id}"),
            Button(knowledge.text("staff.button_cancel", lang), f"{self.prefix}:cancel:{pending.id}"),
        ]
        await self.guard.record(actor, "broadcast", city, f"preview id={pending.id} recipients={count}")
        text = knowledge.text("staff.broadcast_preview", lang, city=name, count=count, text=message, channel=channel)
        return Reply(text, buttons=buttons)

    async def press(self, actor: str, data: str, lang: str, report: Report) -> Pressed:
        """A preview's send or cancel button (``<prefix>:send:<id>``), pressed by ``actor``; a
        confirmed broadcast is sent in the background and its report given to ``report``."""
        parts = data.split(":", 2)
        what, broadcast_id = (parts[1], parts[2]) if len(parts) == 3 else ("", "")
        pending = self.broadcasts.peek(broadcast_id)
        if pending is not None and (pending.actor != actor or not self.guard.allows(actor, "broadcast", pending.city)):
            await self.guard.record(actor, "broadcast", pending.city, f"denied: confirm of {pending.id}")
            return Pressed(self.say("staff.not_permitted", lang), settled=False)  # still the sender's to press
        pending = self.broadcasts.take(broadcast_id)
        if pending is None:  # pressed twice, expired, or forged: written down all the same
            staff = self.guard.member(actor) is not None
            outcome = f"{'refused' if staff else 'denied'}: no pending broadcast {broadcast_id!r}"
            await self.guard.record(actor, "broadcast", None, outcome[:300])
            return Pressed(self.say("staff.broadcast_gone" if staff else "staff.not_permitted", lang))
        if what != "send":
            await self.guard.record(actor, "broadcast", pending.city, f"cancelled id={pending.id}")
            return Pressed(self.say("staff.broadcast_cancelled", lang))
        try:
            stored = await self.service.confirm(pending.preview)
        except NotPermitted:  # audited by the service's guard
            return Pressed(self.say("staff.not_permitted", lang))
        await self.guard.record(actor, "broadcast", pending.city, f"confirmed id={pending.id} #{stored}")
        task = asyncio.get_running_loop().create_task(self._send(pending, stored, lang, report))
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)
        return Pressed(self.say("staff.broadcast_started", lang, count=pending.count))

    async def finish(self) -> None:
        """Wait for the broadcasts on their way (a process stopping lets them end)."""
        while self.sending:
            log.info("waiting for %d broadcast(s) to finish", len(self.sending))
            await asyncio.gather(*list(self.sending), return_exceptions=True)

    async def _send(self, pending: PendingBroadcast, broadcast_id: int, lang: str, report: Report) -> None:
        """The confirmed broadcast, sent; its report to the staff member."""
        try:
            done = await self.service.send(pending.actor, broadcast_id, self.engine)
        except Exception:
            log.exception("broadcast #%s to %s stopped", broadcast_id, pending.city)
            await self.guard.record(pending.actor, "broadcast", pending.city, f"error id={pending.id} #{broadcast_id}")
            raise
        log.info("broadcast #%s to %s: %s", broadcast_id, pending.city, done.outcome)
        outcome = f"done id={pending.id} #{broadcast_id} {done.outcome}"
        await self.guard.record(pending.actor, "broadcast", pending.city, outcome)
        await report(Reply(report_text(self.app.knowledge, done, lang)))

    async def reload(self, actor: str, lang: str, private: bool = True) -> Reply:
        """/reload: the shop listing read again, or its problems (the old one keeps serving)."""
        refusal = await self.refusal(actor, "reload", lang, "shops", private=private)
        if refusal is not None:
            return refusal
        app = self.app
        watcher = app.shop_watcher or watch_app(app, app.shops_file)
        outcome = await watcher.check()
        if outcome == "refused":
            problems = watcher.last_problems
            shown = "\n".join(problems[:MAX_PROBLEMS_SHOWN])
            if len(problems) > MAX_PROBLEMS_SHOWN:
                shown += f"\n… (+{len(problems) - MAX_PROBLEMS_SHOWN})"
            await self.guard.record(actor, "reload", str(watcher.path), f"refused: {len(problems)} problem(s)")
            return self.say("staff.reload_failed", lang, count=len(app.shops), problems=shown)
        await self.guard.record(actor, "reload", str(watcher.path), f"ok: {len(app.shops)} entries ({outcome})")
        return self.say("staff.reloaded", lang, count=len(app.shops), as_of=app.shops.as_of)

    async def stats(self, actor: str, lang: str, counters: Mapping[str, int], private: bool = True) -> Reply:
        """/stats: the channel's residents and subscriptions since ``counters`` (the channel's
        own: updates, replies, flood, errors); municipal staff see only their towns."""
        refusal = await self.refusal(actor, "stats", lang, self.channel, private=private)
        if refusal is not None:
            return refusal
        towns = self.guard.scope(actor)
        stats, channel = self.stats_query, self._channel(lang)
        if towns is not None:  # municipal staff: their own towns only, no channel-wide counts
            people, blocked = await stats.towns(tuple(towns))
            lines = await self._subscriptions(tuple(towns), lang)
            await self.guard.record(actor, "stats", self.channel, f"ok: {'、'.join(towns)}")
            joined = "、".join(towns)
            return self.say(
                "staff.stats_towns",
                lang,
                towns=joined,
                people=people,
                blocked=blocked,
                subscriptions=lines,
                channel=channel,
            )
        await self.guard.record(actor, "stats", self.channel, "ok")
        return self.say(
            "staff.stats",
            lang,
            channel=channel,
            conversations=await stats.conversations(),
            blocked=await stats.blocked(),
            subscriptions=await self._subscriptions(None, lang),
            **{name: counters.get(name, 0) for name in ("updates", "replies", "flood", "errors")},
        )

    async def _subscriptions(self, towns: tuple[str, ...] | None, lang: str) -> str:
        rows = await self.stats_query.subscriptions(towns)
        return "\n".join(f"・{city} {n}" for city, n in rows) or self.app.knowledge.text("staff.stats_none", lang)
