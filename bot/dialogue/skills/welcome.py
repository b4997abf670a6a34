"""The events a channel reports that are not questions: a resident arriving (friend added,
``/start``), leaving (unfollowed, blocked the bot) or sending what the bot cannot read.

Lives here: ``EVENTS`` (the kinds this module answers), ``gone`` (an unfollowed or blocked
resident is recorded, so broadcasts skip them; nothing is said) and ``arrive`` (the
welcome: the resident is unblocked, a known resident keeps their language and a new one
gets the channel's guess, then the greeting with what the channel can offer — a button to
each other language and, where the bot can write first, the class-news offer — within
the channel's button count), and ``unsupported``. Decided from ``Capabilities``; no
channel reads the state or writes the store for this. Touches the resident store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.dialogue.actions import Action
from bot.dialogue.turn import Turn
from bot.messages import Capabilities, IncomingMessage, Kind, Reply
from bot.store.residents import ResidentStore

EVENTS = (Kind.FOLLOW, Kind.UNSUPPORTED)  # answered within a turn
GONE = (Kind.UNFOLLOW, Kind.BLOCKED)  # recorded before any turn: nobody is there to read
# Each language a resident may switch to, with the text key of its button.
LANGUAGE_BUTTONS = {"ja": "button.japanese", "en": "button.english"}
SUBSCRIBE = Action.intent("subscribe")

Postback = Callable[[Turn, str], Awaitable[list[Reply]]]


async def gone(residents: ResidentStore, user: str) -> None:
    await residents.set_blocked(user, True)


def _offers(turn: Turn, capabilities: Capabilities, shown: set[str]) -> list:
    offers = [turn.button(key, Action("lang", code)) for code, key in LANGUAGE_BUTTONS.items() if code != turn.lang]
    if capabilities.push:
        offers.append(turn.button("button.subscribe", SUBSCRIBE))
    return [b for b in offers if b.data not in shown]


async def arrive(turn: Turn, capabilities: Capabilities, postback: Postback, guessed: str | None) -> list[Reply]:
    await turn.services.residents.set_blocked(turn.user, False)
    if turn.state.last_at:  # a resident the bot knows keeps the language they chose
        turn.lang = turn.state.lang
    elif guessed:
        turn.lang = guessed
    replies = await postback(turn, "intent:greeting")
    if replies and capabilities.buttons:
        last = replies[-1]
        room = max(0, capabilities.buttons - len(last.buttons))
        last.buttons = [*last.buttons, *_offers(turn, capabilities, {b.data for b in last.buttons})[:room]]
    return replies


async def answer(turn: Turn, msg: IncomingMessage, capabilities: Capabilities, postback: Postback) -> list[Reply]:
    """The reply to one of ``EVENTS``."""
    if msg.kind is Kind.FOLLOW:
        return await arrive(turn, capabilities, postback, msg.lang)
    return await postback(turn, "intent:unsupported")
