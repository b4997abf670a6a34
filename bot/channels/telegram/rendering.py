"""Rendering the core's replies as Telegram messages.

Lives here: ``render`` (one ``Reply`` → the messages to send, in order, each within
Telegram's 4,096 UTF-16 units, split by ``bot.delivery.text``), ``keyboard`` (buttons as callback buttons, links as URL buttons —
only http(s) and tg:// URLs, since Telegram rejects a ``tel:`` button with 400; the phone
number is already in the text, and is added to it when it is not) and ``CallbackData``
(Telegram's 64-byte limit on callback data: longer data travel as a short token).
Builds python-telegram-bot objects; sends nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.registry import capabilities
from bot.delivery.text import split_text
from bot.messages import Button, Link, Reply

CAPABILITIES = capabilities("telegram")
MAX_TEXT = CAPABILITIES.text_limit  # UTF-16 code units per message
MAX_CALLBACK_BYTES = 64
TOKEN_PREFIX = "~"  # callback data standing for longer data (no core postback starts with it)


class CallbackData:
    """Button data to callback data and back, within Telegram's 64 bytes.

    Data that fit are sent as they are. Longer data are sent as ``~`` plus a hash and kept
    here (the most recent ``capacity`` of them); after a restart such a token is unknown and
    the engine answers that the button no longer works."""

    def __init__(self, capacity: int = 100_000):
        self.capacity = capacity
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, data: str) -> str:
        if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES and not data.startswith(TOKEN_PREFIX):
            return data
        digest = hashlib.blake2b(data.encode("utf-8"), digest_size=15).digest()
        token = TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")
        self._long[token] = data
        self._long.move_to_end(token)
        while len(self._long) > self.capacity:
            self._long.popitem(last=False)
        return token

    def decode(self, sent: str | None) -> str:
        if not sent:
            return ""
        if sent.startswith(TOKEN_PREFIX):
            return self._long.get(sent, "expired")
        return sent


def url_allowed(url: str) -> bool:
    return CAPABILITIES.links(url)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _missing_phones(text: str, links: list[Link]) -> list[str]:
    """Labels of ``tel:`` links whose number the text does not already show."""
    shown = _digits(text)
    return [link.label for link in links if link.url.startswith("tel:") and _digits(link.url[4:]) not in shown]


_KEYBOARDS: OrderedDict[tuple, InlineKeyboardMarkup] = OrderedDict()
KEYBOARD_CACHE = 2048  # the menu and other common keyboards are built once (PTB objects are immutable)


def keyboard(buttons: list[Button], links: list[Link], callback: CallbackData) -> InlineKeyboardMarkup | None:
    """One button per row (big targets for older readers): links first, then choices."""
    shown = [link for link in links if url_allowed(link.url)]
    if not shown and not buttons:
        return None
    key = (tuple((link.label, link.url) for link in shown), tuple((b.label, b.data) for b in buttons))
    cached = _KEYBOARDS.get(key)
    if cached is not None:
        _KEYBOARDS.move_to_end(key)
        return cached
    rows = [[InlineKeyboardButton(link.label, url=link.url)] for link in shown]
    data = [callback.encode(b.data) for b in buttons]
    rows += [[InlineKeyboardButton(b.label, callback_data=d)] for b, d in zip(buttons, data)]
    markup = InlineKeyboardMarkup(rows)
    if all(d == b.data for b, d in zip(buttons, data)):  # a token must be re-registered: not cached
        _KEYBOARDS[key] = markup
        if len(_KEYBOARDS) > KEYBOARD_CACHE:
            _KEYBOARDS.popitem(last=False)
    return markup


@dataclass(frozen=True)
class TextOut:
    text: str
    markup: InlineKeyboardMarkup | None = None


def render(reply: Reply, callback: CallbackData) -> list[TextOut]:
    """The messages for one reply: the text (in parts), the keyboard on the last part."""
    text = reply.text
    missing = _missing_phones(text, reply.links)
    if missing:
        text = text.rstrip("\n") + "\n\n" + "\n".join(missing)
    markup = keyboard(reply.buttons, list(reply.links), callback)
    parts = split_text(text, MAX_TEXT) or (["…"] if markup else [])  # Telegram refuses empty text
    out = [TextOut(p) for p in parts[:-1]]
    if parts:
        out.append(TextOut(parts[-1], markup))
    return out
