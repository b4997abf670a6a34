"""Level and topic keywords, found in a text as words of their own.

Lives here: ``Keyword`` (a keyword folded, read, and whether it must stand as a word of
its own), ``keyword`` (builds one) and ``occurs`` / ``in_text`` (finds one). A keyword
with katakana at either end (ライン, マップ) is not found inside a longer katakana word
(オンライン, グーグルマップ), nor an English one inside a longer English word ("line" in
"online", "try" in "country"). Used by the parser for a resident's message and by the
class topic tagger for class titles, so both read ライン the same way. Pure computation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.understanding.gazetteer import runs_on_in_kana
from bot.understanding.normalize import fold, squeeze

# A keyword beginning or ending with a katakana letter.
_KATAKANA_EDGE_RE = re.compile(r"^[\u30a1-\u30fa]|[\u30a1-\u30fa]$")


@dataclass(frozen=True)
class Keyword:
    folded: str
    reading: str
    whole: bool


def keyword(text: str, read: Callable[[str], str] | None = None) -> Keyword:
    """``text`` as a keyword; ``read`` gives the kana reading of its folded form (none: no
    reading is matched)."""
    folded = squeeze(fold(text))
    kept = fold(text, keep_katakana=True)
    whole = bool(folded) and (folded.isascii() or bool(_KATAKANA_EDGE_RE.search(kept)))
    reading = read(folded) if read else ""
    if whole and reading == folded:
        # No kanji to read: found in the reading, it would only be found in kana that
        # the reading has lost track of (マイナ in マイナカード, read まいなかど).
        reading = ""
    return Keyword(folded, reading, whole)


def occurs(kw: Keyword, form: str, text: str, kana: str) -> bool:
    """Whether ``form`` (a form of ``kw``) is in ``text``; for a whole-word keyword, at
    least once as a word of its own. ``kana`` is ``text`` keeping katakana (the same
    length, character for character)."""
    start = text.find(form)
    if not kw.whole:
        return start >= 0
    while start >= 0:
        end = start + len(form)
        if form.isascii():
            if not (start > 0 and text[start - 1].isascii() and text[start - 1].isalnum()):
                return True
        elif not runs_on_in_kana(kana, start, end):
            return True
        start = text.find(form, start + 1)
    return False


def forms(text: str) -> tuple[str, str]:
    """``text`` folded and squeezed, and the same keeping katakana (see ``aligned``)."""
    return aligned(fold(text), fold(text, keep_katakana=True))


def aligned(folded: str, kept: str) -> tuple[str, str]:
    """``fold(text)`` and ``fold(text, keep_katakana=True)``, squeezed, as ``in_text`` reads
    them: character for character (when folding would not keep them so, the hiragana form
    twice)."""
    folded, kana = squeeze(folded), squeeze(kept)
    return folded, (kana if len(kana) == len(folded) else folded)


def in_text(kw: Keyword, folded: str, kana: str) -> bool:
    """Whether ``kw`` is in a text given by its ``forms``."""
    return bool(kw.folded) and occurs(kw, kw.folded, folded, kana)
