"""Concepts in a message: which of knowledge/concepts.yaml's meanings its words carry.

Lives here: ``ConceptIndex`` (built once from the concept file and the analyser: every
concept word analysed into its lemmas, so 引越し, 引っ越し and 引っ越します meet; kana forms for
messages typed in kana; English words and phrases, stemmed) and ``Found`` (the concepts of
one message, their aspects, and the content words no concept claims). ``conflicts`` lists
words that stand in two concepts without one being broader than the other, for
``madoguchi knowledge check``. Typos are corrected at the level of words, and only for
words the knowledge does not know as they are (one kana off in a short word never turns 介護
into 英語). Pure computation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.data.concept_schema import ConceptFile
from bot.understanding.morphology import Analyser, Word, english_words
from bot.understanding.normalize import has_kanji

TYPO_SCORE = 80.0  # a word this close to a concept's kana form (and as long) is a typo of it
TYPO_MIN_KANA = 4  # shorter words are never corrected: one kana in three is another word
PHRASE_GAP = 2  # at most this many words inside a phrase (a noun of no topic and its も)
TYPO_MIN_KANJI = 4  # a concept word of this many kanji or more is corrected with one kanji off


@dataclass
class Found:
    concepts: set[str] = field(default_factory=set)  # with every broader concept
    direct: set[str] = field(default_factory=set)  # as the words said them
    implied: set[str] = field(default_factory=set)  # broader than one of them (介護 of 負担割合証)
    aspects: set[str] = field(default_factory=set)
    unclaimed: list[str] = field(default_factory=list)  # content lemmas no concept claims
    own_words: list[str] = field(default_factory=list)  # those of them that are words of their own (lemmas)
    english: dict[str, str] = field(default_factory=dict)  # English word (stemmed) → the concept that claimed it
    # Concepts said only by a word glued before a noun no concept claims, the head of their
    # compound (介護タクシー: a taxi; 介護施設の空き: a facility; 地震保険: insurance): what the
    # message is about is that noun.
    modifiers: set[str] = field(default_factory=set)

    @property
    def topics(self) -> set[str]:
        """Concepts that say what the message is about (not an aspect, not who)."""
        return {c for c in self.concepts if not c.startswith("aspect_")}


class ConceptIndex:
    def __init__(self, concepts: ConceptFile, analyser: Analyser):
        self.analyser = analyser
        self.ignored = {w.lemma for word in concepts.ignore.ja for w in analyser.words(word)} | set(concepts.ignore.ja)
        self.ignored_en = set(english_words(" ".join(concepts.ignore.en)))
        self.aspect_of = {c.id: c.aspect for c in concepts.concepts if c.aspect}
        self.neutral = {c.id for c in concepts.concepts if c.neutral}
        self.contextual = {c.id for c in concepts.concepts if c.needs_context}
        parents = {c.id: set(c.broader) for c in concepts.concepts}
        self.ancestors = {cid: _closure(cid, parents) for cid in parents}
        self._single: dict[str, str] = {}
        # Phrases by their first word (lemma or surface): (lemmas, surfaces, concept). A word
        # of a phrase matches by either, since a particle alone is read otherwise (家で: で → だ).
        self._phrases: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], str]]] = {}
        self._english: dict[str, str] = {}
        self._english_phrases: list[tuple[tuple[str, ...], str]] = []
        self._kana: list[tuple[str, str]] = []
        # 八十過ぎ, 70代: a number and the word after it (lemma or surface) → the concept.
        self._after_number = {w: c.id for c in concepts.concepts for w in c.after_number}
        self.conflicts: list[tuple[tuple, str]] = []
        for i, concept in enumerate(concepts.concepts):
            for fieldname in ("ja", "dialect"):
                for j, word in enumerate(getattr(concept, fieldname)):
                    self._add_japanese(concept.id, word, ("concepts", i, fieldname, j))
            for j, word in enumerate(concept.en):
                self._add_english(concept.id, word, ("concepts", i, "en", j))
            self._kana += [(k, concept.id) for k in concept.kana]
        self._kana.sort(key=lambda kc: -len(kc[0]))
        self._kana_forms = [k for k, _ in self._kana if len(k) >= TYPO_MIN_KANA]
        self._kana_concept = dict(self._kana)
        self._near_kanji = _near_kanji(concepts.concepts)

    # -- building --------------------------------------------------------------------

    def _related(self, a: str, b: str) -> bool:
        return a == b or a in self.ancestors[b] or b in self.ancestors[a]

    def _claim(self, table: dict, key, concept: str, loc: tuple, shown: str) -> None:
        other = table.get(key)
        if other is not None and not self._related(other, concept):
            self.conflicts.append(
                (loc, f"{shown!r} is also a word of concept {other!r}; make one broader than the other")
            )
            return
        if other is None or concept in self.ancestors[other]:
            table[key] = concept  # the narrower concept keeps the word

    def _add_japanese(self, concept: str, word: str, loc: tuple) -> None:
        if "|" in word:
            # Words given one by one (「は|居る」): a phrase whose words, read alone, the analyser
            # would read otherwise (はいる alone is 入る; in 「写真はいる？」 it is は + いる).
            pieces = tuple(word.split("|"))
            phrases = self._phrases.setdefault(pieces[0], [])
            phrases.append((pieces, pieces, concept))
            phrases.sort(key=lambda pc: -len(pc[0]))
            return
        words = self.analyser.words(word)
        lemmas = tuple(w.lemma for w in words)
        if not lemmas:
            return
        if len(lemmas) == 1:
            # One kanji stands for itself: UniDic reads 歳 as the lemma 年, and 年 is no age.
            key = words[0].surface if len(words[0].surface) == 1 else lemmas[0]
            if key in self.ignored:
                self.conflicts.append((loc, f"{word!r} is in the ignored words too"))
                return
            self._claim(self._single, key, concept, loc, word)
            return
        surfaces = tuple(w.surface for w in words)
        for first in {lemmas[0], surfaces[0]}:
            phrases = self._phrases.setdefault(first, [])
            if not any(p == lemmas for p, _, _ in phrases):
                phrases.append((lemmas, surfaces, concept))
                phrases.sort(key=lambda pc: -len(pc[0]))

    def _add_english(self, concept: str, word: str, loc: tuple) -> None:
        stems = tuple(english_words(word))
        if len(stems) == 1:
            self._claim(self._english, stems[0], concept, loc, word)
        elif stems:
            self._english_phrases.append((stems, concept))
            self._english_phrases.sort(key=lambda pc: -len(pc[0]))

    # -- finding -----------------------------------------------------------------------

    def find(self, words: tuple[Word, ...], english: list[str] | None = None, known: set[str] = frozenset()) -> Found:
        """The concepts of a message's Japanese ``words`` and English ``english`` (stemmed
        words). ``known``: lemmas the knowledge uses as they are, never taken for typos."""
        found = Found()
        claimed: list[str | None] = [None] * len(words)
        self._japanese(words, claimed, found)
        self._kanji_typos(words, claimed, found)
        residual = self._note_kana(*_residual([w for w, c in zip(words, claimed) if not c]), found)
        own = self._unclaimed(words, claimed, residual, known, found)
        found.modifiers = self._modifiers(words, claimed, own)
        if english:
            self._english_words(english, found)
        return found

    def _unclaimed(
        self, words: tuple[Word, ...], claimed: list[str | None], residual: str, known: set[str], found: Found
    ) -> set[int]:
        """Notes the content words no concept claimed (``found.unclaimed``, ``found.own_words``);
        returns the positions of the words of their own."""
        own: set[int] = set()
        # Hiragana nouns are trusted only in a message that writes kanji elsewhere: in one typed
        # all in kana, the analyser guesses where its words begin (しものせき → 霜 + 野 + 咳).
        writes_kanji = any(has_kanji(w.surface) for w in words)
        for i, w in enumerate(words):
            if claimed[i] or not w.content or w.proper or w.lemma in self.ignored:
                continue
            if not w.listed and w.lemma not in known and self._typo(w.kana, found):
                continue  # only a word the dictionary does not know may be a typo of ours
            if w.kana and w.kana not in residual:
                continue  # its reading was a kana form of a concept
            found.unclaimed.append(w.lemma)
            if _own_word(w) or (writes_kanji and _standalone_kana_noun(words, i)):
                found.own_words.append(w.lemma)
                own.add(i)
        return own

    @staticmethod
    def _modifiers(words: tuple[Word, ...], claimed: list[str | None], own: set[int]) -> set[str]:
        """The concepts of words glued before a noun of its own (at a position of ``own``) that no
        concept claims (see ``Found.modifiers``), unless another word says them too."""
        glued, elsewhere = set(), set()
        for i, concept in enumerate(claimed):
            if concept is None:
                continue
            after = words[i + 1] if i + 1 < len(words) else None
            if after is not None and i + 1 in own and after.pos == "名詞":
                glued.add(concept)
            elif after is None or claimed[i + 1] != concept:
                elsewhere.add(concept)
        return glued - elsewhere

    def _kanji_typos(self, words: tuple[Word, ...], claimed: list[str | None], found: Found) -> None:
        """Words in a row that no concept claims and that together are a concept's word of
        ``TYPO_MIN_KANJI`` kanji or more with one kanji off (確定申国: 確定 + 申 + 国, 確定申告).
        Two words at least: one the dictionary knows whole is a word of its own (住宅改築)."""
        if not self._near_kanji:
            return
        i = 0
        while i < len(words):
            hit = self._kanji_typo_at(words, claimed, i)
            if hit is None:
                i += 1
                continue
            end, concept = hit
            claimed[i:end] = [concept] * (end - i)
            self._note(concept, found)
            i = end

    def _kanji_typo_at(self, words: tuple[Word, ...], claimed: list[str | None], i: int) -> tuple[int, str] | None:
        text = ""
        for end in range(i, len(words)):
            w = words[end]
            if claimed[end] is not None or not _KANJI_RE.match(w.surface):
                return None
            text += w.surface
            if end > i and len(text) >= TYPO_MIN_KANJI:
                for k in range(len(text)):
                    concept = self._near_kanji.get(text[:k] + "?" + text[k + 1 :])
                    if concept:
                        return end + 1, concept
        return None

    def _note_kana(self, residual: str, inside: set[int], found: Found) -> str:
        """Notes the concepts whose kana forms ``residual`` holds (cutting no word: ``inside``);
        returns it without them."""
        for kana, concept in self._kana:
            if kana in residual:
                residual, hit = _take(residual, kana, inside)
                if hit:
                    self._note(concept, found)
        return residual

    def _japanese(self, words: tuple[Word, ...], claimed: list[bool], found: Found) -> None:
        i = 0
        while i < len(words):
            candidates = self._phrases.get(words[i].lemma, []) + self._phrases.get(words[i].surface, [])
            for lemmas, surfaces, concept in candidates:
                end = self._phrase_end(words, i, lemmas, surfaces)
                if end is not None:
                    claimed[i:end] = [concept] * (end - i)
                    self._note(concept, found)
                    i = end
                    break
            else:
                w = words[i]
                concept = self._single.get(w.surface) or (self._single.get(w.lemma) if len(w.surface) > 1 else None)
                if concept is None and i and _NUMERAL_RE.fullmatch(words[i - 1].surface):
                    concept = self._after_number.get(w.surface) or self._after_number.get(w.lemma)
                if concept:
                    claimed[i] = concept
                    self._note(concept, found)
                i += 1

    def _phrase_end(self, words: tuple[Word, ...], i: int, lemmas: tuple, surfaces: tuple) -> int | None:
        """Where the phrase of ``lemmas`` (or ``surfaces``) that starts at word ``i`` ends, or
        None. Between its words may stand a noun of no topic (with its も or は):
        「案内を毎回送って」「情報を、今後も届けて」 are 案内を送る and 情報を届ける."""
        j, skipped = i, 0
        for k, (lemma, surface) in enumerate(zip(lemmas, surfaces)):
            while k and j < len(words) and not _is(words[j], lemma, surface) and skipped < PHRASE_GAP:
                if not self._filler(words, j):
                    return None
                j, skipped = j + 1, skipped + 1
            if j >= len(words) or not _is(words[j], lemma, surface):
                return None
            j += 1
        return j

    def _filler(self, words: tuple[Word, ...], j: int) -> bool:
        """A word a phrase may hold between its words: a noun of no topic (今後, 毎回), or the
        も / は / か after one (何か: something); or the means it is done by, a noun and its で (「出たら、LINEで教えて」,
        「案内をメールで送って」 are 出たら教えて and 案内を送る)."""
        w = words[j]
        if w.pos in ("名詞", "代名詞") and w.lemma in self.ignored:
            return True
        if _means(words, j):
            return True
        return w.surface in ("も", "は", "か") and j > 0 and self._filler(words, j - 1)

    def _typo(self, kana: str, found: Found) -> bool:
        if len(kana) < TYPO_MIN_KANA or not self._kana_forms:
            return False
        hit = process.extractOne(kana, self._kana_forms, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
        if hit is None or abs(len(hit[0]) - len(kana)) > 1:
            return False
        self._note(self._kana_concept[hit[0]], found)
        return True

    def _english_words(self, stems: list[str], found: Found) -> None:
        used = [False] * len(stems)
        present = set(stems)
        for phrase, concept in self._english_phrases:
            if phrase[0] not in present:
                continue
            n = len(phrase)
            for i in range(len(stems) - n + 1):
                if tuple(stems[i : i + n]) == phrase and not any(used[i : i + n]):
                    used[i : i + n] = [True] * n
                    self._note(concept, found)
                    found.english.update(dict.fromkeys(phrase, concept))
        for i, s in enumerate(stems):
            if used[i]:
                continue
            concept = self._english.get(s)
            if concept:
                self._note(concept, found)
                found.english[s] = concept
            elif s not in self.ignored_en and len(s) > 2:
                found.unclaimed.append(s)

    def concept_of(self, lemma: str) -> str | None:
        """The concept a word (by its lemma) stands for alone, if any."""
        return self._single.get(lemma)

    def firm(self, found: Found, without: set[str] | None = None) -> set[str]:
        """The concepts of ``found`` without those only words that need context (壊れる) gave (or
        the concepts ``without``, with their broader ones)."""
        out: set[str] = set()
        for c in found.direct - (self.contextual if without is None else without):
            out |= {c} | self.ancestors[c]
        return out

    def _note(self, concept: str, found: Found) -> None:
        found.direct.add(concept)
        found.concepts.add(concept)
        found.concepts |= self.ancestors[concept]
        found.implied |= self.ancestors[concept]
        aspect = self.aspect_of.get(concept)
        if aspect:
            found.aspects.add(aspect)


# The negative auxiliary, standard or western (歩けない, 山口弁 歩けん → ず): one in a phrase.
_NEGATIVE = frozenset({"ない", "ず", "ぬ"})


def _is(w: Word, lemma: str, surface: str) -> bool:
    return w.lemma == lemma or w.surface == surface or (lemma in _NEGATIVE and w.lemma in _NEGATIVE)


_KANJI_RE = re.compile(r"^[\u3400-\u9fff\u3005]+$")


def _near_kanji(concepts) -> dict[str, str]:
    """Each concept word of ``TYPO_MIN_KANJI`` kanji or more with one of its kanji unknown
    (確定申? → tax): a key two concepts share corrects nothing."""
    near: dict[str, str | None] = {}
    for concept in concepts:
        for word in concept.ja:
            if len(word) < TYPO_MIN_KANJI or not _KANJI_RE.match(word):
                continue
            for k in range(len(word)):
                key = word[:k] + "?" + word[k + 1 :]
                near[key] = concept.id if near.get(key, concept.id) == concept.id else None
    return {k: c for k, c in near.items() if c}


def _residual(words: list[Word]) -> tuple[str, set[int]]:
    """The kana of the words no concept claimed, and the positions strictly inside a word the
    dictionary lists and writes in kanji: that word is read for sure, so a kana form is never
    cut out of it (「ばかり最初」 is ばかり + さいしょ, with no りさい (罹災) across the two); one that
    spans whole words is (診寮, a typo read 診 + 寮, is しんりょう)."""
    kana, inside, at = [], set(), 0
    for w in words:
        if w.listed and has_kanji(w.surface):
            inside.update(range(at + 1, at + len(w.kana)))
        kana.append(w.kana)
        at += len(w.kana)
    return "".join(kana), inside


def _take(residual: str, kana: str, inside: set[int]) -> tuple[str, bool]:
    """``residual`` with its occurrences of ``kana`` that cut no word blanked out, and whether
    there was one."""
    hit = False
    start = residual.find(kana)
    while start >= 0:
        end = start + len(kana)
        if start not in inside and end not in inside:
            residual = residual[:start] + " " * len(kana) + residual[end:]
            hit = True
        start = residual.find(kana, start + 1)
    return residual, hit


_KANJI_OR_KATAKANA_RE = re.compile(r"^[\u3400-\u9fff\u3005\u30a0-\u30ff]+$")


_NUMERAL_RE = re.compile(r"[〇一二三四五六七八九十百千万億両0-9０-９]+")  # 七十八 (歳): a number names nothing


def _own_word(w: Word) -> bool:
    """A word of its own, which the bot must know or call unknown: one in the dictionary,
    written in kanji or katakana (天気, ゴミ). Hiragana is where the analyser guesses (しょしんしゃ
    → 小 + 芯 + 者) and may be a particle, dialect or a typo's fragment; a word the dictionary
    does not know is most often a typo or a name."""
    return w.listed and bool(_KANJI_OR_KATAKANA_RE.match(w.surface)) and not _NUMERAL_RE.fullmatch(w.surface)


_HIRAGANA_RE = re.compile(r"^[\u3041-\u309f]+$")
_BOUNDARY_POS = ("助詞", "助動詞")


def _standalone_kana_noun(words: tuple[Word, ...], i: int) -> bool:
    """A noun written in hiragana that stands as a word of its own: the dictionary writes it in
    kanji (ふぐ → 河豚, ごみ → 塵), and a particle or the edge of the text is on either side
    (「おいしいふぐの店」, 「宇部のごみの日」). A fragment of a misread kana run (しょしんしゃ →
    小 + 芯 + 者) has a prefix, a noun or a suffix beside it."""
    w = words[i]
    if w.pos != "名詞" or not w.listed or len(w.surface) < 2 or not _HIRAGANA_RE.match(w.surface):
        return False
    if _HIRAGANA_RE.match(w.lemma) or not _KANJI_OR_KATAKANA_RE.match(w.lemma):
        return False
    before = words[i - 1].pos if i > 0 else None
    after = words[i + 1].pos if i + 1 < len(words) else None
    return before not in ("名詞", "接頭辞", "接尾辞") and (after is None or after in _BOUNDARY_POS)


def _means(words: tuple[Word, ...], j: int) -> bool:
    """Word ``j`` is a noun followed by the particle で, or that で."""
    if words[j].surface == "で":
        return j > 0 and words[j - 1].pos == "名詞"
    return words[j].pos == "名詞" and j + 1 < len(words) and words[j + 1].surface == "で"


def _closure(cid: str, parents: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(parents.get(cid, ()))
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo += parents.get(c, ())
    return seen
