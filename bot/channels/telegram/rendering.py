"""Rendering the core's replies as Telegram messages.

Lives here: ``render`` (one ``Reply`` → the messages to send, in order), ``split_text``
(Telegram's 4,096-character limit, counted in UTF-16 code units as Telegram counts, cut
on line boundaries), ``keyboard`` (buttons as callback buttons, links as URL buttons —
only http(s) and tg:// URLs, since Telegram rejects a ``tel:`` button with 400; the phone
number is already in the text, and is added to it when it is not) and ``CallbackData``
(Telegram's 64-byte limit on callback data: longer data travel as a short token).
A ``Place`` becomes a venue only when its coordinates are verified, a map link otherwise.
Builds python-telegram-bot objects; sends nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.data.geo import map_url
from bot.messages import Button, Link, Place, Reply

MAX_TEXT = 4096  # UTF-16 code units per message
MAX_CALLBACK_BYTES = 64
TOKEN_PREFIX = "~"  # callback data standing for longer data (no core postback starts with it)
_URL_SCHEMES = ("http://", "https://", "tg://")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _hard_split(line: str, limit: int) -> list[str]:
    """A line longer than ``limit``: cut between characters (never inside a surrogate pair)."""
    parts, current, size = [], [], 0
    for ch in line:
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        parts.append("".join(current))
    return parts


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most ``limit`` UTF-16 units, cut at line ends; none empty."""
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        width = utf16_len(line)
        pieces = _hard_split(line, limit) if width > limit else [line]
        for piece in pieces:
            piece_width = utf16_len(piece)
            extra = piece_width + (1 if current else 0)
            if current and size + extra > limit:
                parts.append("\n".join(current))
                current, size = [], 0
                extra = piece_width
            current.append(piece)
            size += extra
    if current:
        parts.append("\n".join(current))
    return [p.strip("\n") for p in parts if p.strip()]


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
    return url.startswith(_URL_SCHEMES)


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


@dataclass(frozen=True)
class VenueOut:
    place: Place


def render(reply: Reply, callback: CallbackData) -> list[TextOut | VenueOut]:
    """The messages for one reply: the text (in parts), the keyboard on the last part,
    then a venue for each verified place."""
    text = reply.text
    missing = _missing_phones(text, reply.links)
    if missing:
        text = text.rstrip("\n") + "\n\n" + "\n".join(missing)
    links = list(reply.links)
    shown_urls = {link.url for link in links}
    venues = []
    for place in reply.places:
        if place.verified:
            venues.append(VenueOut(place))
        else:
            url = map_url(place.address)
            if url not in shown_urls:
                links.append(Link("🗺 " + place.title, url))
                shown_urls.add(url)
    markup = keyboard(reply.buttons, links, callback)
    parts = split_text(text) or (["…"] if markup else [])  # Telegram refuses empty text
    out: list[TextOut | VenueOut] = [TextOut(p) for p in parts[:-1]]
    if parts:
        out.append(TextOut(parts[-1], markup))
    return out + venues
