"""One LINE event, handled: the core's answer, delivered, and the redelivery record.

Lives here: ``EventHandler``. For each ``Inbound`` it records the webhookEventId in the
store's ``SeenEvents`` (a redelivered event is handled once), then hands the message —
text, location, button press, unsupported media, follow or unfollow — to the core through
``bot.channels.base.Conversations`` with LINE's capabilities. The core decides the welcome
of a follow (greeting, menu, the class-news offer), records an unfollow (no reply: LINE
gives no reply token) and answers media with its gentle "please type". The replies are
rendered and handed to ``Messenger``. A failure is logged (without secrets) and never
stops the worker. Touches no store itself.
"""

from __future__ import annotations

import logging
from collections import Counter

from bot.app import App
from bot.channel_services import ChannelServices
from bot.channels.base import Conversations
from bot.channels.line.delivery import Messenger
from bot.channels.line.events import CHANNEL, Inbound
from bot.channels.line.render import CAPABILITIES, render
from bot.delivery.outcome import Result
from bot.messages import Answer

log = logging.getLogger(__name__)


class EventHandler:
    def __init__(self, app: App, messenger: Messenger, services: ChannelServices | None = None):
        self.messenger = messenger
        self.services = services or ChannelServices(app.db, CHANNEL)
        self.conversations = Conversations(app.engine, CAPABILITIES)
        self.counts: Counter[str] = Counter()

    async def handle(self, inbound: Inbound) -> Result | None:
        """Handle one event once; the delivery's result, or None for a redelivery."""
        if inbound.event_id and not await self.services.first_time(inbound.event_id):
            self.counts["duplicate"] += 1
            log.info("LINE event %s already handled (redelivery: %s)", inbound.event_id, inbound.redelivery)
            return None
        self.counts[inbound.message.kind.value] += 1

        async def deliver(answer: Answer) -> Result:
            messages = render(answer.replies)
            return await self.messenger.send(inbound.user_id, inbound.reply_token, messages, key=inbound.event_id)

        return await self.conversations.turn(inbound.message, deliver)
