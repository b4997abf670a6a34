"""Place and carrier names found in a message.

Lives here: ``Gazetteer``, built from the municipality list (names, kana readings,
romaji, districts), the other prefectures, and the carrier aliases of
``knowledge/intents.yaml``. ``find`` returns every name it recognises in a folded
text with its span, leftmost-longest, so the intent scorer can mask them.
Short kana names (うべ, はぎ) and one-kanji names (光, 萩) count only at a word
boundary, so 「ひかり回線」 or 「さがす」 are not places. In an English sentence a
district's romaji (toyota, asahi, yamato) is also a brand or a word, so it counts
only where English puts a place ("in Toyota", "Toyota station"). ``runs_on_in_kana``
tells the parser when a kana word is only part of a longer one (ライン in オンライン).
Pure lookups, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import jaconv
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.data import vocabulary
from bot.understanding.normalize import fold

PREFECTURE = "@prefecture"  # the home prefecture as a whole (山口県)
ELSEWHERE = "@elsewhere"  # a place outside the prefecture

_HIRA_RE = re.compile(r"^[\u3040-\u309f]+$")
_KANJI_RE = re.compile(r"[\u3400-\u9fff\u3005]")
# English words that mark the next word as a place, or the word before as one.
_PLACE_BEFORE = {"in", "at", "near", "around", "from", "to", "into"}
_PLACE_AFTER = {"city", "town", "area", "district", "station", "shi", "cho"}
MIN_ASCII_FUZZY = 6  # an ASCII carrier name this long is found with one letter off (docomoo)


@dataclass(frozen=True)
class Mention:
    """A recognised name: ``kind`` is ``city`` or ``carrier``; ``value`` the
    municipality name (or PREFECTURE / ELSEWHERE) or the carrier id."""

    kind: str
    value: str
    start: int
    end: int
    text: str


class _Alias(NamedTuple):
    kind: str
    value: str
    needs_boundary: bool


def _needs_boundary(alias: str) -> bool:
    if _HIRA_RE.match(alias):
        return len(alias) <= 3
    return len(alias) == 1 and bool(_KANJI_RE.match(alias))


def _is_katakana(ch: str) -> bool:
    """A katakana letter (not the ・ between words)."""
    return "\u30a1" <= ch <= "\u30fa"


def runs_on_in_kana(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is only part of a longer kana word.
    ``text`` is ``normalize.fold(text, keep_katakana=True)`` (names are matched in that
    form too), so what the writer put in katakana is told apart from hiragana: a word
    whose first (last) letter is katakana runs on when katakana comes right before
    (after) it — ライン in オンライン, マップ in グーグルマップ —, while hiragana, kanji or a
    space next to it ends the word (ラインで, LINEのライン教室). A word typed in hiragana
    (らいん) runs on when more hiragana that is no particle comes before it (おんらいん),
    as for a short kana name (see ``_is_boundary``); after it, okurigana and particles
    (らいんを) are normal."""
    first, last = text[start], text[end - 1]
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if _is_katakana(first) and before and _is_katakana(before):
        return True
    if _HIRA_RE.match(first) and before and _HIRA_RE.match(before) and before not in vocabulary.particles().before_name:
        return True
    return _is_katakana(last) and bool(after) and _is_katakana(after)


def _is_boundary(text: str, start: int, end: int) -> bool:
    """A kana name must not run on into more kana (あぶ|ない), a one-kanji name
    not into more kanji or okurigana (光|回線, 光|る); particles are fine."""
    kanji_name = bool(_KANJI_RE.match(text[start]))
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""

    def ok(ch: str, particles: set[str] | None) -> bool:
        if not ch or ch == " " or (particles is None and _HIRA_RE.match(ch)) or (particles and ch in particles):
            return True
        if _HIRA_RE.match(ch):
            return False
        return not (kanji_name and _KANJI_RE.match(ch))

    particles = vocabulary.particles()
    before_ok, after_ok = set(particles.before_name), set(particles.after_name)
    return ok(before, None if kanji_name else before_ok) and ok(after, after_ok)


class Gazetteer:
    """Every place and carrier name the bot knows, for fast substring lookup."""

    def __init__(self) -> None:
        self._aliases: dict[str, list[_Alias]] = {}
        self._romaji: dict[str, list[tuple[str, str]]] = {}
        self._minor_romaji: set[str] = set()  # romaji words that name only districts
        # By a name's first two characters (its one character for a one-character name): the
        # lengths of the names that begin so, longest first. Two characters leave a position
        # of a message one or two lengths to try where one character left up to ten.
        self._lengths: dict[str, list[int]] = {}
        self._fuzzy_carriers: list[tuple[str, str]] = []
        self._kana_carriers: list[tuple[str, str]] = []  # carrier names in hiragana, for mixed-kana typing
        self._ascii_carriers: list[tuple[str, str]] = []  # long ASCII carrier names, for one-letter typos

    # -- keeping --------------------------------------------------------------------

    def state(self) -> tuple:
        """Everything the gazetteer holds, in types ``marshal`` keeps (``from_state`` undoes it):
        building the national gazetteer folds 13,000 names, reading it back takes a tenth of that."""
        aliases = {key: [tuple(a) for a in bucket] for key, bucket in self._aliases.items()}
        return (
            aliases,
            self._romaji,
            sorted(self._minor_romaji),
            self._lengths,
            self._fuzzy_carriers,
            self._kana_carriers,
            self._ascii_carriers,
        )

    @classmethod
    def from_state(cls, state: tuple) -> Gazetteer:
        aliases, romaji, minor, lengths, fuzzy, kana, ascii_carriers = state
        gaz = cls()
        gaz._aliases = {key: list(map(_Alias._make, bucket)) for key, bucket in aliases.items()}
        gaz._minor_romaji = set(minor)
        gaz._romaji, gaz._lengths = romaji, lengths  # marshal gives back tuples as tuples
        gaz._fuzzy_carriers, gaz._kana_carriers, gaz._ascii_carriers = fuzzy, kana, ascii_carriers
        return gaz

    # -- building -------------------------------------------------------------------

    def add(self, kind: str, value: str, alias: str, *, boundary: bool | None = None) -> None:
        key = fold(alias)
        if not key:
            return
        if re.fullmatch(r"[a-z0-9 -]+", key):
            self.add_romaji(kind, value, key)
            return
        # Names are matched on text that keeps katakana: a name written in katakana
        # (ドコモ, ウベ) is a word of its own and needs no boundary; in hiragana it may.
        keys = {key: _needs_boundary(key) if boundary is None else boundary}
        kata = jaconv.hira2kata(key)
        if kata != key:
            keys.setdefault(kata, False if boundary is None else boundary)
        if kind == "carrier" and _HIRA_RE.match(key):
            self._kana_carriers.append((key, value))
        for variant, needs in keys.items():
            entry = _Alias(kind, value, needs)
            bucket = self._aliases.setdefault(variant, [])
            if entry not in bucket:
                bucket.append(entry)
            lengths = self._lengths.setdefault(variant[:2], [])
            if len(variant) not in lengths:
                lengths.append(len(variant))
                lengths.sort(reverse=True)

    def add_romaji(self, kind: str, value: str, word: str, *, minor: bool = False) -> None:
        """``minor``: a district's name, which an English sentence must mark as a place."""
        for variant in {word, word.replace("-", ""), word.replace(" ", "")}:
            bucket = self._romaji.setdefault(variant, [])
            if minor and not bucket:
                self._minor_romaji.add(variant)
            elif not minor:
                self._minor_romaji.discard(variant)
            if (kind, value) not in bucket:
                bucket.append((kind, value))

    def add_fuzzy_carrier(self, carrier: str, alias: str) -> None:
        key = fold(alias)
        if len(key) >= 5 and not key.isascii():
            self._fuzzy_carriers.append((key, carrier))
        elif len(key) >= MIN_ASCII_FUZZY and re.fullmatch(r"[a-z]+", key):
            self._ascii_carriers.append((key, carrier))

    # -- finding --------------------------------------------------------------------

    def find(self, folded: str, english: bool = False) -> list[Mention]:
        """Names in ``folded`` (``normalize.fold(text, keep_katakana=True)``), leftmost-longest;
        ``english``: the text is an English sentence (see ``_romaji_mentions``)."""
        found: list[Mention] = []
        i, n = 0, len(folded)
        while i < n:
            ch = folded[i]
            if ch == " ":
                i += 1
                continue
            if "a" <= ch <= "z" or "0" <= ch <= "9":
                j = i
                while j < n and folded[j] not in " " and folded[j].isascii():
                    j += 1
                found.extend(self._romaji_mentions(folded, i, j, english))
                i = j
                continue
            hit = self._match_at(folded, i)
            if hit:
                found.append(hit)
                i = hit.end
            else:
                i += 1
        if not any(m.kind == "carrier" for m in found):
            found.extend(self._mixed_kana_carrier(folded, found) or self._fuzzy_carrier(folded, found))
        return found

    def _mixed_kana_carrier(self, text: str, found: list[Mention]) -> list[Mention]:
        """A carrier typed half in katakana, half in hiragana (ドコも): matched in
        hiragana, accepted because the writer used katakana in it."""
        hira = jaconv.kata2hira(text)
        for key, carrier in self._kana_carriers:
            start = hira.find(key)
            if start < 0 or not re.search(r"[\u30a0-\u30ff]", text[start : start + len(key)]):
                continue
            if any(m.start < start + len(key) and start < m.end for m in found):
                continue
            return [Mention("carrier", carrier, start, start + len(key), text[start : start + len(key)])]
        return []

    def _match_at(self, text: str, i: int) -> Mention | None:
        lengths = self._lengths.get(text[i : i + 2], ())
        if i + 1 < len(text) and text[i] in self._lengths:  # a one-character name, the shortest
            lengths = (*lengths, 1)
        for length in lengths:
            end = i + length
            if end > len(text):
                continue
            entries = self._aliases.get(text[i:end])
            if not entries:
                continue
            for entry in entries:
                if entry.needs_boundary and not _is_boundary(text, i, end):
                    continue
                return Mention(entry.kind, entry.value, i, end, text[i:end])
        return None

    def _romaji_mentions(self, text: str, start: int, end: int, english: bool = False) -> list[Mention]:
        """ASCII runs are matched as whole words (``au`` but not ``august``), also
        with a ``-shi``/``city`` suffix (``ubeshi``, ``hofu-city``). In an English
        sentence a district's name counts only after a place preposition ("in Toyota")
        or before a place noun ("Toyota station"): "the Toyota share price" names the
        company, not the district of Shimonoseki."""
        word = text[start:end]
        key = word if word in self._romaji else word.replace("-", "")
        hits = self._romaji.get(key)
        if hits is None:
            for suffix in ("shi", "cho", "city", "town"):
                if word.endswith(suffix) and word[: -len(suffix)].rstrip("-") in self._romaji:
                    key = word[: -len(suffix)].rstrip("-")
                    hits = self._romaji[key]
                    break
            else:
                carrier = self._ascii_carrier_typo(word)
                return [Mention("carrier", carrier, start, end, word)] if carrier else []
        elif english and key in self._minor_romaji:
            before = text[:start].split()
            after = text[end:].split()
            if not ((before and before[-1] in _PLACE_BEFORE) or (after and after[0] in _PLACE_AFTER)):
                return []
        return [Mention(kind, value, start, end, word) for kind, value in hits][:1]

    def _ascii_carrier_typo(self, word: str) -> str | None:
        """A carrier name typed in Latin letters with one slip — a letter doubled, missed,
        wrong or two swapped (docomoo, sofbank, softbnak, rakuen). Only names of
        ``MIN_ASCII_FUZZY`` letters or more: one letter off a shorter word is another word."""
        if len(word) < MIN_ASCII_FUZZY - 1:
            return None
        for alias, carrier in self._ascii_carriers:
            if abs(len(alias) - len(word)) <= 1 and OSA.distance(alias, word, score_cutoff=1) <= 1:
                return carrier
        return None

    def _fuzzy_carrier(self, text: str, found: list[Mention]) -> list[Mention]:
        """A misspelt carrier (ソフトバンッ) by partial similarity, outside known names."""
        for alias, carrier in self._fuzzy_carriers:
            if len(text) < len(alias) - 1:
                continue
            result = fuzz.partial_ratio_alignment(alias, jaconv.kata2hira(text), score_cutoff=80)
            if result is None:
                continue
            start, end = result.dest_start, result.dest_end
            if any(m.start < end and start < m.end for m in found):
                continue
            return [Mention("carrier", carrier, start, end, text[start:end])]
        return []
