"""Text folding that makes the ways people type meet.

ｽﾏﾎ / スマホ / すまほ, ＭＹＮＡ / myna, small and large kana, long-vowel marks,
spaces and punctuation all fold to one form; ``romaji_to_kana`` reads romaji (sumaho kyoushitsu → すまほきようしつ).
Pure functions over strings.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

MAX_UNDERSTOOD_CHARS = 500

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
# Long-vowel marks and wave dashes vanish; everything that is not a letter, digit,
# kana or kanji is dropped, except the few characters dates and romaji need.
DROPPED_RE = re.compile(r"[ー〜～~\-‐−―]")
NOT_WORD_RE = re.compile(r"[^0-9a-z\u3040-\u309f\u30a0-\u30ff\u4e00-\u9fff\u3005 ]")
_SPACES_RE = re.compile(r"\s+")
_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_ASCII_WORD_RE = re.compile(r"[a-z][a-z0-9'-]*")


def clean(text: str) -> str:
    """NFKC (half-width kana → full-width, full-width ASCII → ASCII), control
    characters removed, runs of white space made one space, ends stripped."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL_RE.sub("", text)
    return _SPACES_RE.sub(" ", text).strip()


def has_japanese(text: str) -> bool:
    return bool(_JAPANESE_RE.search(text))


_SMALL_KATA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


KANJI = "\u3400-\u9fff\u3005"  # the kanji (and 々) as the inside of a character class
_KANJI_RE = re.compile(f"[{KANJI}]")
_KANJI_RUN_RE = re.compile(f"[{KANJI}]+")
# What ends a sentence: Japanese and full-width stops, ! and ?, a new line, an English full stop
# before a space ("Thank you. Now my wife…"). The parser's focus also splits before ところで・さて.
SENTENCE_END = r"[。．！？!?\n]+|\.\s+"


def has_kanji(text: str) -> bool:
    """Whether ``text`` writes a kanji: where it does not, the analyser guesses word boundaries."""
    return bool(_KANJI_RE.search(text))


def kanji_runs(text: str) -> list[str]:
    """The runs of kanji in ``text``, in order (申し込み → 申, 込)."""
    return _KANJI_RUN_RE.findall(text)


def fold(text: str, keep_katakana: bool = False) -> str:
    """The comparison form: cleaned, lower case, katakana as hiragana, small kana
    large, no long-vowel marks or punctuation, single spaces where the writer put
    space. Every output character maps to one of ``fold(text, keep_katakana=True)``,
    which only keeps katakana as katakana (names are matched in that form)."""
    text = clean(text).lower()
    if not keep_katakana:
        text = jaconv.kata2hira(text)
    text = text.translate(_SMALL_KANA).translate(_SMALL_KATA)
    text = DROPPED_RE.sub("", text)
    text = NOT_WORD_RE.sub(" ", text)
    return _SPACES_RE.sub(" ", text).strip()


def squeeze(folded: str) -> str:
    """Japanese has no spaces between words: drop those not between ASCII words."""
    if not has_japanese(folded):
        return folded
    return re.sub(r"(?<![a-z0-9]) | (?![a-z0-9])", "", folded)


_ROMAJI_LONG_A_RE = re.compile(r"(?<=[bcdfghjkmnprstwyz])aa")


def romaji_to_kana(text: str) -> str:
    """Romaji words read as hiragana (``ube no docomo`` → ``うべ の どこも``).

    A doubled ``aa`` after a consonant is the long vowel of a loanword written in
    romaji (``mainanbaa kaado`` for マイナンバーカード): katakana's ``ー`` folds away,
    so ``baa`` reads ``ば``, not ``ばあ``, and the two spellings meet. Native words
    hardly double ``a`` after a consonant (おばあさん aside)."""
    return jaconv.alphabet2kana(_ROMAJI_LONG_A_RE.sub("a", text.lower()))


def ascii_words(text: str) -> list[str]:
    """The ASCII words of a cleaned, lower-cased text."""
    return _ASCII_WORD_RE.findall(text.lower())
