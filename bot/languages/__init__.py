"""The languages the bot answers in, and the order in which a missing text falls back.

Lives here: ``Language`` (its code, the language a text it has not got falls back to, the
script a message in it is written in, the guidelines its texts follow) and the registry:
``get``, ``known``, ``chain``, ``codes``, ``is_latin`` (for the understanding's "this message
is English" test), ``answering`` (which language a reply is in, given the message's and the
resident's) and ``from_locale`` (the first reply's language, from the locale of a resident's
chat app). A language's name is its ``button.lang.<code>`` text; the words each language
says are the texts of ``knowledge/`` (a mapping ``{code: text}`` per text); how it says dates,
lists and names is ``bot.languages.wording``. Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

DEFAULT = "ja"
FOREIGN = "en"  # what a resident whose app speaks a language the bot does not reads most easily


@dataclass(frozen=True)
class Language:
    code: str  # the key of its texts in knowledge/ and the value kept in a conversation's state
    fallback: str | None  # where a text not written in it comes from
    script: Literal["japanese", "latin"]  # how a message in it is written
    source: str | None = None  # the guidelines its texts follow
    locales: tuple[str, ...] = ()  # the app locales (language subtags) whose users read it

    @property
    def family(self) -> str:
        """The language it is a form of (やさしい日本語 is Japanese): a Japanese message keeps it."""
        return self.code if self.fallback is None or self.script != get(self.fallback).script else self.fallback


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ja", None, "japanese", locales=("ja",)),
        Language("en", "ja", "latin", locales=("en",)),
        Language(
            "ja-easy",
            "ja",
            "japanese",
            source="出入国在留管理庁・文化庁「在留支援のためのやさしい日本語ガイドライン」（2020年8月）",
        ),
    )
}


def known(code: object) -> bool:
    return isinstance(code, str) and code in LANGUAGES


def get(code: object) -> Language:
    """The language of ``code``; Japanese for an unknown, missing or damaged code."""
    return LANGUAGES[code] if known(code) else LANGUAGES[DEFAULT]


def codes() -> tuple[str, ...]:
    return tuple(LANGUAGES)


@lru_cache(maxsize=64)
def chain(code: str | None) -> tuple[str, ...]:
    """``code`` and the languages it falls back to, in order: ``ja-easy`` → ``ja``. Kept per
    code: every text of every reply asks (the registry never changes while the bot runs)."""
    found: list[str] = []
    lang: Language | None = get(code)
    while lang is not None and lang.code not in found:
        found.append(lang.code)
        lang = LANGUAGES.get(lang.fallback) if lang.fallback else None
    return tuple(found)


def is_latin(code: str | None) -> bool:
    """Whether a message detected as ``code`` is written in Latin letters (English), not Japanese.
    ``None`` (the text does not tell) is not."""
    return code is not None and known(code) and get(code).script == "latin"


def answering(detected: str | None, current: str) -> str:
    """The language of the reply to a message detected as ``detected`` from a resident who
    reads ``current``: their own while the message is in its family (a Japanese message from a
    やさしい日本語 reader stays in やさしい日本語), else the message's."""
    if not known(detected) or get(detected).family == get(current).family:
        return current if known(current) else DEFAULT
    return detected


def from_locale(locale: str | None, uninformative: tuple[str, ...] = ()) -> str | None:
    """The language to greet a new resident in, from their chat app's locale (``pt-BR``):
    the language whose users run the app in it, ``FOREIGN`` for a locale no language has,
    None when the locale tells nothing (none, or one of ``uninformative``: a channel with no
    Japanese interface sees many Japanese residents running it in English)."""
    tag = (locale or "").split("-")[0].split("_")[0].lower()
    if not tag or tag in uninformative:
        return None
    return next((lang.code for lang in LANGUAGES.values() if tag in lang.locales), FOREIGN)
