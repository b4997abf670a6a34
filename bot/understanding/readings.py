"""Kanji readings for the words the bot knows, without a 120 MB dictionary in memory.

A full kanji dictionary (pykakasi's) costs about 124 MB of RAM. The bot only needs
readings for the kanji words that appear in ``knowledge/`` — an unknown kanji
word in a message cannot match any example anyway — so those readings are kept in
``knowledge/readings.tsv`` (word, TAB, hiragana), generated from the knowledge by
``madoguchi knowledge readings``, offline, by pykakasi, whose dictionary reads compounds
and words as they are written (一回 いっかい, 何を なにを) but knows no conjugation: it read
触ら (of 触らない) as ふら, and the kanji of an inflected word alone by their Chinese reading
(覚 かく of 覚えられん). So a word with kana in it (an inflected word) takes the reading the
morphological analyser gives it in its sentence (触ら さわら) where the analyser reads that
very word, and the kanji runs of such a word take their part of its reading (覚え おぼえ:
覚 おぼ; 申し込み: 申 もう, 込 こ), not their reading alone. ``ReadingLexicon.reading``
replaces known words by their reading, longest match first. Reads the lexicon file;
``build_lexicon`` loads pykakasi and the analyser only when run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from bot.understanding.normalize import KANJI, fold, has_kanji, kanji_runs

LEXICON_FILE = "readings.tsv"


class ReadingLexicon:
    def __init__(self, entries: dict[str, str]):
        self.entries = dict(entries)
        self._by_first: dict[str, list[str]] = {}
        for word in sorted(self.entries, key=len, reverse=True):
            self._by_first.setdefault(word[0], []).append(word)
        self.reading = lru_cache(maxsize=8192)(self._reading)

    @classmethod
    def load(cls, path: str | Path) -> ReadingLexicon:
        entries: dict[str, str] = {}
        path = Path(path)
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#") and "\t" in line:
                    word, hira = line.split("\t", 1)
                    entries[word] = hira
        return cls(entries)

    def missing(self, texts: Iterable[str]) -> set[str]:
        """Kanji runs in ``texts`` that this lexicon cannot read (a stale lexicon)."""
        gaps = set()
        for text in texts:
            rest = self.reading(fold(text))
            gaps.update(kanji_runs(rest))
        return gaps

    def _reading(self, folded: str) -> str:
        if not has_kanji(folded):
            return folded
        out: list[str] = []
        i, n = 0, len(folded)
        while i < n:
            for word in self._by_first.get(folded[i], ()):
                if folded.startswith(word, i):
                    out.append(self.entries[word])
                    i += len(word)
                    break
            else:
                out.append(folded[i])
                i += 1
        return fold("".join(out))


def build_lexicon(texts: Iterable[str], analyser=None) -> dict[str, str]:
    """Readings of every kanji word in ``texts`` (run offline; see the module's note)."""
    import pykakasi

    if analyser is None:
        from bot.understanding.morphology import shared_analyser

        analyser = shared_analyser()
    kakasi = pykakasi.kakasi()
    texts = list(texts)
    # How the analyser reads each inflected word in its sentences, most often first (買う かう,
    # though 買うた is こうた in 山口弁).
    heard: dict[str, Counter] = {}
    for text in texts:
        for w in analyser.words(text):
            if w.listed and has_kanji(w.surface) and _KANA_RE.search(w.surface):
                heard.setdefault(fold(w.surface), Counter())[fold(w.kana)] += 1
    entries: dict[str, str] = {}
    for text in texts:
        for item in kakasi.convert(fold(text)):
            orig = item["orig"].strip()
            if has_kanji(orig) and orig not in entries:
                entries[orig] = _inflected(orig, heard, analyser) or fold(item["hira"])
    # Each kanji run on its own too (覚 of 覚えられない), so that another inflection of a
    # known word (覚えられん) still counts as known: its part of the word's reading.
    runs: dict[str, str] = {}
    for word, reading in entries.items():
        for run, part in _runs(word, reading):
            runs.setdefault(run, part)
    for word in list(entries):
        for run in kanji_runs(word):
            if run not in entries:
                entries[run] = runs.get(run) or fold("".join(item["hira"] for item in kakasi.convert(run)))
    return entries


def _inflected(word: str, heard: dict[str, Counter], analyser) -> str | None:
    """The analyser's reading of an inflected ``word`` the sentences hold as a word of its own:
    as the dictionary reads that form alone when it is one word (買う かう, though 買うた is
    こうた in 山口弁), else as the sentences read it most often; None: not such a word."""
    if word not in heard:
        return None
    alone = analyser.words(word)
    if len(alone) == 1 and alone[0].listed:
        return fold(alone[0].kana)
    return heard[word].most_common(1)[0][0]


_KANA_RE = re.compile(r"[\u3041-\u30ff]")
_RUN_RE = re.compile(f"[{KANJI}]+|[^{KANJI}]+")


def _runs(surface: str, kana: str) -> list[tuple[str, str]]:
    """The kanji runs of a word with kana in it, each with its part of the word's reading
    (覚え おぼえ: 覚 おぼ; 申し込み もうしこみ: 申 もう, 込 こ), so that another inflection of a
    known word (覚えられん) still reads; none when the kana do not line up with the reading."""
    parts = _RUN_RE.findall(surface)
    if len(parts) < 2:
        return []
    pattern = "".join("(.+?)" if has_kanji(part) else re.escape(part) for part in parts)
    match = re.fullmatch(pattern, kana)
    if match is None:
        return []
    runs = [part for part in parts if has_kanji(part)]
    return list(zip(runs, match.groups()))


def write_lexicon(entries: dict[str, str], path: str | Path) -> None:
    lines = ["# knowledge/readings.tsv — generated by `madoguchi knowledge readings`; do not edit by hand."]
    lines += [f"{word}\t{entries[word]}" for word in sorted(entries)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
