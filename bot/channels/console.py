"""The console channel: an interactive chat in the terminal, and the JSON-lines mode.

The smallest channel of the contract (``bot.channels.base``): ``parse_line`` turns a line
into an ``IncomingMessage``, ``render_jsonl`` renders the replies, ``deliver_to`` writes
them, and each turn goes through ``Conversations`` with the console's ``Capabilities``.
JSON lines (``madoguchi chat --jsonl``) is a fixed interface (DESIGN.md): one
JSON object in per line (``user`` plus ``text`` | ``location`` | ``postback``,
optional ``lang``), exactly one JSON object out per line, flushed at once; a bad
line gets ``{"error": ...}`` and the loop goes on. Interactive mode numbers the
buttons; typing a number presses one. Reads stdin, writes stdout; nothing else.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
from typing import IO

from bot import languages
from bot.channels.base import Conversations
from bot.channels.registry import capabilities
from bot.delivery.outcome import Result
from bot.delivery.text import without_surrogates
from bot.dialogue.engine import Engine
from bot.messages import Answer, IncomingMessage, Location, Reply

CHANNEL = "console"


class BadLine(ValueError):
    """A JSON-lines input that cannot be a message."""


def _text_field(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f'"{key}" must be a string')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadLine(f'"{key}" is not valid Unicode text') from None
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadLine('"location" must be {"lat": number, "lon": number}')
    try:
        number = float(value)
    except OverflowError:
        raise BadLine('"location" is out of range') from None
    if not math.isfinite(number):
        raise BadLine('"location" is out of range')
    return number


LANG_CHOICES = ", ".join(f'"{code}"' for code in languages.codes())


def _object(line: str | bytes) -> dict:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise BadLine("the line is not UTF-8 text") from None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer too long to read
        raise BadLine(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise BadLine("each line must be a JSON object")
    if not isinstance(obj.get("user"), str) or not obj["user"].strip():
        raise BadLine('missing "user" (a non-empty string)')
    return obj


def _location(obj: dict) -> Location | None:
    loc = obj.get("location")
    if loc is None:
        return None
    if not isinstance(loc, dict) or "lat" not in loc or "lon" not in loc:
        raise BadLine('"location" must be {"lat": number, "lon": number}')
    where = Location.checked(_number(loc["lat"]), _number(loc["lon"]))
    if where is None:
        raise BadLine('"location" is out of range')
    return where


def _said(obj: dict) -> str | None:
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        raise BadLine('"text" must be a string')
    return None if text is None else without_surrogates(text)  # a broken character is dropped, the message kept


def parse_line(line: str | bytes) -> tuple[str, IncomingMessage]:
    """The user as given and the message; ``BadLine`` with a reason otherwise."""
    obj = _object(line)
    user = _text_field(obj, "user")
    lang = obj.get("lang")
    if lang is not None and not languages.known(lang):
        raise BadLine(f'"lang" must be one of {LANG_CHOICES}')
    text, postback, location = _said(obj), _text_field(obj, "postback"), _location(obj)
    if text is None and postback is None and location is None:
        raise BadLine('a message needs "text", "location" or "postback"')
    return user, IncomingMessage(f"{CHANNEL}:{user}", text=text, location=location, postback=postback, lang=lang)


def _write(out: IO[str], obj: dict) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def deliver_to(out: IO[str], user: str):
    """The channel's delivery: the answer as one JSON line (``render_jsonl``), flushed."""

    async def deliver(answer: Answer) -> Result:
        _write(out, {"user": user, "replies": render_jsonl(answer.replies)})
        return Result.sent()

    return deliver


def render_jsonl(replies: list[Reply]) -> list[dict]:
    return [r.to_dict() for r in replies]


async def run_jsonl(engine: Engine, inp: IO = sys.stdin, out: IO[str] = sys.stdout) -> None:
    """Serve JSON lines until end of input. A text stream is read through its byte
    buffer when it has one (stdin does), so a line that is not UTF-8 gets an error
    line instead of ending the loop."""
    loop = asyncio.get_running_loop()
    source = getattr(inp, "buffer", inp)
    conversations = Conversations(engine, capabilities(CHANNEL))
    while True:
        line = await loop.run_in_executor(None, source.readline)
        if not line:
            return
        try:
            user, msg = parse_line(line)
        except BadLine as exc:
            _write(out, {"error": str(exc)})
            continue
        await conversations.turn(msg, deliver_to(out, user))


def render(replies: list[Reply]) -> tuple[str, list[str]]:
    """Plain text for a terminal, with the buttons numbered; also the button data in order."""
    lines: list[str] = []
    data: list[str] = []
    for reply in replies:
        lines.append(reply.text)
        for link in reply.links:
            lines.append(f"  → {link.label}: {link.url}")
        for button in reply.buttons:
            data.append(button.data)
            lines.append(f"  [{len(data)}] {button.label}")
        lines.append("")
    return "\n".join(lines), data


async def run_interactive(
    engine: Engine, user: str = "local", inp: IO[str] = sys.stdin, out: IO[str] = sys.stdout
) -> None:
    loop = asyncio.get_running_loop()
    key = f"{CHANNEL}:{user}"
    text, buttons = render(await engine.handle(IncomingMessage(key, postback="intent:greeting")))
    out.write(text + "\n（終わるときは Ctrl+D / quit to exit）\n")
    while True:
        out.write("> ")
        out.flush()
        line = await loop.run_in_executor(None, inp.readline)
        if not line or line.strip().lower() in ("quit", "exit", "終了"):
            out.write("\n")
            return
        typed = line.strip()
        if typed.isdigit() and 1 <= int(typed) <= len(buttons):
            msg = IncomingMessage(key, postback=buttons[int(typed) - 1])
        else:
            msg = IncomingMessage(key, text=line)
        text, buttons = render(await engine.handle(msg))
        out.write(text + "\n")
