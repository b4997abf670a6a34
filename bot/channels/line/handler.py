"""One LINE event, handled: what the resident gets back, and the bookkeeping around it.

Lives here: ``EventHandler``. For each ``Inbound`` it records the webhookEventId
(a redelivered event is handled once), then answers:

- a message or a button press: the engine's answer;
- follow: the engine's greeting and menu, plus a button offering class news
  (a resident who blocked the bot and comes back is unblocked);
- unfollow: the resident is marked blocked, so broadcasts skip them (no reply:
  LINE gives no reply token);
- a sticker, image, audio, video or file: the gentle "please type" text with the menu.

and hands the rendered messages to ``Messenger``. Touches the engine, the
resident store, the seen-events table and, through ``Messenger``, the LINE API.
A failure is logged (without secrets) and never stops the worker.
"""

from __future__ import annotations

import logging
from collections import Counter

from bot.app import App
from bot.channels.line.delivery import Messenger, Outcome
from bot.channels.line.events import Inbound
from bot.channels.line.render import render
from bot.channels.line.seen import SeenEvents
from bot.dialogue.state import ConversationState
from bot.messages import Button, IncomingMessage, Reply
from bot.store.residents import ResidentStore

log = logging.getLogger(__name__)

SUBSCRIBE = "intent:subscribe"


class EventHandler:
    def __init__(self, app: App, messenger: Messenger, seen: SeenEvents | None = None):
        self.app = app
        self.engine = app.engine
        self.messenger = messenger
        self.seen = seen or SeenEvents(app.db)
        self.residents = ResidentStore(app.db)
        self.counts: Counter[str] = Counter()

    async def handle(self, inbound: Inbound) -> Outcome | None:
        """Handle one event once; the delivery outcome, or None when nothing was sent."""
        if inbound.event_id and not await self.seen.first_time(inbound.event_id):
            self.counts["duplicate"] += 1
            log.info("LINE event %s already handled (redelivery: %s)", inbound.event_id, inbound.redelivery)
            return None
        self.counts[inbound.kind] += 1
        replies = await self.answer(inbound)
        messages = render(replies)
        if not messages:
            return None
        outcome = await self.messenger.send(inbound.user_id, inbound.reply_token, messages, key=inbound.event_id)
        self.counts[outcome.value] += 1
        return outcome

    async def answer(self, inbound: Inbound) -> list[Reply]:
        key = inbound.user_key
        if inbound.kind == "unfollow":
            await self.residents.set_blocked(key, True)
            return []
        if inbound.kind == "follow":
            await self.residents.set_blocked(key, False)
            return await self._welcome(key)
        if inbound.kind == "unsupported":
            return await self._unsupported(key)
        if inbound.message is None:
            return []
        return await self.engine.handle(inbound.message)

    async def _state(self, key: str) -> ConversationState:
        return ConversationState.from_dict(await self.engine.conversations.load(key))

    async def _welcome(self, key: str) -> list[Reply]:
        replies = await self.engine.handle(IncomingMessage(key, postback="intent:greeting"))
        if replies and not any(b.data == SUBSCRIBE for r in replies for b in r.buttons):
            lang = (await self._state(key)).lang
            replies[-1].buttons.append(Button(self.app.knowledge.text("button.subscribe", lang), SUBSCRIBE))
        return replies

    async def _unsupported(self, key: str) -> list[Reply]:
        return await self.engine.handle(IncomingMessage(key, postback="intent:unsupported"))
