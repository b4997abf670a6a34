"""The resident web chat channel: the page at ``/chat`` that a municipality links from its
website, on the same engine as LINE and Telegram.

Lives here: ``CHANNEL``, ``user_key`` (a visitor's conversation key, ``web:`` and a digest
of their cookie — never the cookie itself), ``incoming`` (typed text or a pressed button
→ ``IncomingMessage``) and ``render`` (``Reply`` → what the page shows: the text cut into
plain parts and tappable phone numbers (``tel:``), the buttons, and the links whose scheme
a browser may open — http(s) maps and pages, ``tel:``). The page builds its HTML from these
parts with text nodes only, so nothing a reply says can become markup.
"""

from __future__ import annotations

import hashlib
import re

from bot.messages import IncomingMessage, Reply

CHANNEL = "web"
MAX_TEXT = 1000  # a resident's message is cut here
PHONE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")
SCHEMES = ("https://", "http://", "tel:")


def user_key(cookie: str) -> str:
    return f"{CHANNEL}:{hashlib.sha256(cookie.encode('utf-8', 'replace')).hexdigest()[:24]}"


def incoming(user: str, text: str | None = None, postback: str | None = None) -> IncomingMessage | None:
    text = (text or "")[:MAX_TEXT].strip()
    postback = (postback or "")[:300]
    if postback:
        return IncomingMessage(user, postback=postback, lang=None)
    if text:
        return IncomingMessage(user, text=text)
    return None


def _parts(text: str) -> list[dict]:
    parts, at = [], 0
    for found in PHONE.finditer(text):
        if found.start() > at:
            parts.append({"text": text[at : found.start()], "tel": None})
        parts.append({"text": found.group(), "tel": "tel:" + found.group().replace("-", "")})
        at = found.end()
    if at < len(text):
        parts.append({"text": text[at:], "tel": None})
    return parts


def render(replies: list[Reply]) -> list[dict]:
    out = []
    for reply in replies:
        links = [
            {"label": link.label, "url": link.url, "tel": link.url.startswith("tel:")}
            for link in reply.links
            if link.url.startswith(SCHEMES)
        ]
        out.append(
            {
                "parts": _parts(reply.text),
                "buttons": [{"label": b.label, "data": b.data} for b in reply.buttons],
                "links": links,
            }
        )
    return out
