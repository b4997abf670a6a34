"""Text within a platform's limits, counted as the platforms count: in UTF-16 code units
(Telegram's 4,096 and LINE's 5,000; an emoji such as 🍎 is 2).

Lives here: ``utf16_len``, ``clip`` (cut to a limit, ending in an ellipsis),
``split_text`` (parts of at most a limit, cut at line ends, never inside a surrogate
pair; optionally at most ``parts`` of them), ``merge_texts`` (neighbouring texts joined
until they fit a number of messages), ``without_spans`` (spans counted in UTF-16 units
taken out, as LINE marks its emoji) and ``without_surrogates`` (lone surrogates, which
JSON can carry and no store can keep, dropped). Pure functions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

log = logging.getLogger(__name__)

ELLIPSIS = "…"
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` without the ``(index, length)`` spans, both counted in UTF-16 code units;
    a span that is empty, negative or reaches past the end is ignored, a repeated one
    taken out once. A span that cuts a surrogate pair leaves half of it (callers that
    store the text drop lone surrogates)."""
    units = text.encode("utf-16-le", "surrogatepass")
    size = len(units) // 2
    valid = {
        (index, length)
        for index, length in spans
        if isinstance(index, int) and isinstance(length, int) and index >= 0 and length > 0 and index + length <= size
    }
    for index, length in sorted(valid, reverse=True):
        units = units[: 2 * index] + units[2 * (index + length) :]
    return units.decode("utf-16-le", "surrogatepass")


def without_surrogates(text: str) -> str:
    """``text`` without lone surrogates (a broken character is dropped, the rest kept)."""
    return _SURROGATES.sub("", text)


def merge_texts(texts: list[str], slots: int) -> list[str]:
    """Join neighbouring texts (the shortest pair first, with a blank line between) until at
    most ``slots`` remain."""
    texts = list(texts)
    while len(texts) > max(1, slots):
        i = min(range(len(texts) - 1), key=lambda k: utf16_len(texts[k]) + utf16_len(texts[k + 1]))
        texts[i : i + 2] = [texts[i] + "\n\n" + texts[i + 1]]
    return texts


def _width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 units, ending in an ellipsis when cut."""
    if utf16_len(text) <= limit:
        return text
    out, used = [], len(ELLIPSIS)
    for ch in text:
        used += _width(ch)
        if used > limit:
            break
        out.append(ch)
    return "".join(out) + ELLIPSIS


def _hard_split(line: str, limit: int) -> list[str]:
    """A line longer than ``limit``: cut between characters (never inside a surrogate pair)."""
    parts, current, size = [], [], 0
    for ch in line:
        if size + _width(ch) > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += _width(ch)
    if current:
        parts.append("".join(current))
    return parts


def _pieces(text: str, limit: int):
    for line in text.split("\n"):
        yield from (_hard_split(line, limit) if utf16_len(line) > limit else [line])


def split_text(text: str, limit: int, parts: int | None = None) -> list[str]:
    """Parts of at most ``limit`` UTF-16 units, cut at line ends; none empty. With
    ``parts``, at most that many (what does not fit is dropped, with a log line)."""
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    out: list[str] = []
    current: list[str] = []
    size = 0
    for piece in _pieces(text, limit):
        width = utf16_len(piece)
        if current and size + 1 + width > limit:
            out.append("\n".join(current))
            current, size = [], 0
        size += width + (1 if current else 0)
        current.append(piece)
    if current:
        out.append("\n".join(current))
    out = [p.strip("\n") for p in out if p.strip()]
    if parts is not None and len(out) > parts:
        log.warning("a text of %d parts was cut to %d", len(out), parts)
        out = out[:parts]
    return out
