"""The channel contract: what every channel provides, and the one way a channel talks to
the core.

A channel (see ``bot.channels.console`` for the smallest one) provides:

1. ``incoming(event) -> IncomingMessage | None`` — a platform event as a message of a
   ``Kind`` (text, location, postback, unsupported media, follow, unfollow, blocked);
   None for what is no one's business (another bot, an edit, a group chatter);
2. ``render(replies) -> list`` — the core's ``Reply``s as the platform's messages, within
   its limits (text length counted by ``bot.delivery.text``, buttons, link schemes);
3. ``deliver(to, rendered) -> Result`` — send them; the outcome in the shared vocabulary
   (``bot.delivery.outcome``): a ``BLOCKED`` outcome is told to the core as a ``BLOCKED``
   message, never written to a store by the channel;
4. its ``Capabilities`` and, optionally, a command and a broadcast sender, declared in
   ``bot.channels.registry``.

Lives here: ``Channel`` (the protocol of 1–3) and ``Conversations``, which runs one turn
for any channel — one resident at a time in arrival order (``KeyedLocks``), the engine's
``answer`` with the channel's capabilities, render, deliver, and a refused delivery
reported back as ``BLOCKED``. No channel reads ``ConversationState`` or touches the store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.delivery.ordering import KeyedLocks
from bot.delivery.outcome import Result, Status
from bot.dialogue.engine import Engine
from bot.messages import Answer, Capabilities, IncomingMessage, Kind, Reply


class Channel(Protocol):
    name: str
    capabilities: Capabilities

    def incoming(self, event: Any) -> IncomingMessage | None: ...

    def render(self, replies: list[Reply]) -> list: ...

    async def deliver(self, to: Any, rendered: list) -> Result: ...


Deliver = Callable[[Answer], Awaitable[Result]]


class Conversations:
    """Turns for one channel: ordered per resident, answered with the channel's capabilities."""

    def __init__(self, engine: Engine, capabilities: Capabilities):
        self.engine = engine
        self.capabilities = capabilities
        self.locks = KeyedLocks()

    async def answer(self, msg: IncomingMessage) -> Answer:
        return await self.engine.answer(msg, self.capabilities)

    async def turn(self, msg: IncomingMessage, deliver: Deliver) -> Result:
        """Answer ``msg`` and deliver the answer, after the resident's earlier messages."""
        async with self.locks(msg.user):
            result = await deliver(await self.answer(msg))
        if result.status is Status.BLOCKED:
            await self.blocked(msg.user)
        return result

    async def blocked(self, user: str) -> None:
        """The platform said the resident blocked the bot: the core records it."""
        await self.engine.answer(IncomingMessage(user, kind=Kind.BLOCKED))
