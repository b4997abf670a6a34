"""Words of a message: morphological analysis (MeCab through fugashi, over UniDic-lite),
reduced to what understanding needs.

Lives here: ``Word`` (surface, lemma, hiragana reading, part of speech) and ``Analyser``,
which loads the dictionary once and analyses a text into words. UniDic lemmas fold spelling
variants and conjugation (引越し/引っ越し → 引っ越し, 子ども/子供 → 子供, 飛んで → 飛ぶ, 使いよる →
使う + よる), so a concept's word matches however the resident wrote it. English is split into
lower-case words with plurals and -ed/-ing folded (``stem``).

SudachiPy was measured beside it on this machine: its core dictionary adds about 78 MB of
resident memory at load (a memory-mapped 200 MB file read at start) and 14 µs a message;
fugashi with UniDic-lite adds about 4 MB and 9 µs (``benchmarks/bench_core.py`` prints the
analyser's per-message cost). Messages then bring the dictionary's pages into the resident set:
the kernel maps about 13 neighbouring pages (64 KB, fault-around) for each page MeCab touches
when the file is in the page cache, MADV_RANDOM does not change that, so the conversation set at
national scale leaves about 110 MB of sys.dic and matrix.bin resident (of 239 MB peak), pages of
the shared page cache, not memory of the process's own. Pure computation; the only files read
are the dictionary's.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import jaconv

from bot.data import disk_cache

CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "代名詞", "副詞", "接頭辞"})
_ASCII_WORD_RE = re.compile(r"[a-z][a-z0-9']*")  # moving-out: two words


class Word(NamedTuple):
    """One word (a tuple: thousands are read back from the analyses' cache at every start)."""

    surface: str
    lemma: str  # the dictionary's lemma (引越し → 引っ越し, 飛ん → 飛ぶ); the surface when unknown
    kana: str  # reading in hiragana (the surface in hiragana when unknown)
    pos: str  # first part-of-speech field (名詞, 動詞 …)
    proper: bool  # a proper noun (a place, a person, a company)
    listed: bool = True  # in the dictionary (False: a word MeCab guessed, often a typo or a name)

    @property
    def content(self) -> bool:
        return self.pos in CONTENT_POS


# Words whose folded form would be another word's: car and cars are not care (car).
_KEPT = {"car": "car_", "cars": "car_"}


def stem(word: str) -> str:
    """An English word folded so its forms meet: move, moved, moving → mov; flood, floods →
    flood; baby, babies → baby; stop, stopped → stop. Not a linguist's stem, only the same
    key for the same word, which is all matching needs."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]  # baby's, where's: the word itself
    if w in _KEPT:
        return _KEPT[w]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith(("ss", "us", "is")):
            w = w[: -len(suffix)]
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


def english_words(text: str) -> list[str]:
    """The lower-case ASCII words of ``text``, stemmed."""
    return [stem(w) for w in _ASCII_WORD_RE.findall(text.lower())]


class Analyser:
    """MeCab (fugashi) over UniDic-lite; analyses are cached per text.

    The knowledge's own texts are analysed once per edit of the knowledge and kept on disk
    (``remember``/``recall``): reading them through the dictionary at every start costs 0.3 s
    and brings about 140 MB of the dictionary's pages into memory, which messages alone never
    touch all of."""

    def __init__(self) -> None:
        import fugashi  # imported here: the dictionary loads once, when an analyser is made

        self._tagger = fugashi.Tagger()
        # Messages' analyses, kept as plain tuples of strings and flags: the collector lets go
        # of such tuples, so thousands kept cost no garbage collection (``Word`` tuples it walks
        # at every full collection); ``words`` makes them ``Word`` again.
        self._recent = lru_cache(maxsize=16384)(self._plain)
        self._known: dict[str, tuple[Word, ...]] = {}
        self._fresh: dict[str, tuple[Word, ...]] | None = None

    def recall(self, path: Path) -> bool:
        """Take the analyses kept in ``path``; False when there are none to take."""
        table = disk_cache.read(path)
        if not isinstance(table, dict):
            return False
        self._known.update({text: tuple(map(Word._make, words)) for text, words in table.items()})
        return True

    def start_remembering(self) -> None:
        self._fresh = {}

    def remember(self, path: Path) -> None:
        """Keep in ``path`` what was analysed since ``start_remembering`` (an unwritable cache is no cache)."""
        fresh, self._fresh = self._fresh or {}, None
        disk_cache.write(path, {text: [tuple(w) for w in words] for text, words in fresh.items()})

    def words(self, text: str) -> tuple[Word, ...]:
        """The words of ``text`` (cached per text)."""
        known = self._known.get(text)
        if known is not None:
            return known
        return tuple(map(Word._make, self._recent(text)))

    def _plain(self, text: str) -> tuple[tuple, ...]:
        words = self._analyse(text)
        if self._fresh is not None:
            self._fresh[text] = words
        return tuple(map(tuple, words))

    def _analyse(self, text: str) -> tuple[Word, ...]:
        if not text:
            return ()
        out = []
        for node in self._tagger(unicodedata.normalize("NFKC", text)):
            f = node.feature
            if f.pos1 in ("補助記号", "空白"):
                continue
            surface = node.surface
            lemma = f.lemma or surface
            if "-" in lemma and not lemma.startswith("-"):
                lemma = lemma.split("-", 1)[0]  # ショップ-shop → ショップ
            kana = jaconv.kata2hira(f.kana or surface) if not node.is_unk else jaconv.kata2hira(surface)
            out.append(Word(surface, lemma, kana, f.pos1, f.pos2 == "固有名詞", not node.is_unk))
        return tuple(out)

    def reading(self, text: str) -> str:
        """The hiragana reading of ``text`` (kana stays as written, in hiragana)."""
        return "".join(w.kana for w in self.words(text))


def dictionary_version() -> str:
    """What the analyses depend on: the analyser's and the dictionary's versions."""
    from importlib.metadata import version

    return f"fugashi {version('fugashi')} unidic-lite {version('unidic-lite')}"


@lru_cache(maxsize=1)
def shared_analyser() -> Analyser:
    """One analyser per process: the dictionary is read-only."""
    return Analyser()
