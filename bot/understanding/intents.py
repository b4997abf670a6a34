"""Intent scoring with rapidfuzz over the examples in ``knowledge/``.

Lives here: ``IntentScorer``. Each example is stored in its folded kana reading
with place and carrier names removed (the same masking a message gets), and a
message is scored against them with two rapidfuzz scorers: whole-string
similarity (``ratio``), and for examples of three characters or more, how well the
example appears inside the message (``partial_ratio``), discounted by how much of
the message it covers. English examples also use ``token_set_ratio``.
The best example per intent is that intent's score. Character, character-pair and
word indexes (numpy) pick the examples worth scoring, so a message costs tens of
microseconds, not a pass over every example. Pure computation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

SCORES_KEPT = 64  # scores kept for the forms scored last (as many as the parser keeps parses)


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float
    example: str


def _pair_postings(texts: list[str]) -> dict[str, np.ndarray]:
    """Which examples contain each character pair: an example can only appear (partially)
    inside a message if they share some pairs, so ``partial_ratio`` runs on those few
    instead of on every example."""
    postings: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        for pair in {t[k : k + 2] for k in range(len(t) - 1)}:
            postings.setdefault(pair, []).append(i)
    return {pair: np.array(ids, dtype=np.intp) for pair, ids in postings.items()}


def _char_postings(texts: list[str]) -> dict[tuple[str, int], np.ndarray]:
    """Which examples hold a character at least k times, for each (character, k): the
    characters a message shares with an example, counted with repeats, bound their longest
    common subsequence, hence their ``ratio``; examples that cannot reach the cutoff are
    never scored. The bound is exact, so no score is lost."""
    postings: dict[tuple[str, int], list[int]] = {}
    for i, t in enumerate(texts):
        for char, times in Counter(t).items():
            for k in range(1, times + 1):
                postings.setdefault((char, k), []).append(i)
    return {key: np.array(ids, dtype=np.intp) for key, ids in postings.items()}


def _word_postings(texts: list[str]) -> dict[str, np.ndarray]:
    """Which texts hold each word (split on whitespace, as ``token_set_ratio`` splits)."""
    postings: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        for word in set(t.split()):
            postings.setdefault(word, []).append(i)
    return {word: np.array(ids, dtype=np.intp) for word, ids in postings.items()}


def _sorted_words(text: str) -> str:
    """A text's distinct words, sorted, joined by spaces: what ``token_set_ratio`` compares
    when two texts have no word in common."""
    return " ".join(sorted(set(text.split())))


class IntentScorer:
    """Scores a masked, folded reading against every example of every intent."""

    def __init__(self, examples: list[tuple[str, str]], weights: dict[str, float] | None = None):
        """``examples``: (intent id, masked folded reading) pairs; ``weights`` scale the
        score of intents whose id starts with a key (broad menus yield to specific answers)."""
        weights = weights or {}
        by_intent: dict[str, list[str]] = {}
        for intent, text in examples:
            if text and text not in by_intent.setdefault(intent, []):
                by_intent[intent].append(text)
        # Examples grouped by intent (shortest first within each), so one reduction over
        # the scores of all examples gives each intent its best.
        self._intent_names = [i for i in by_intent if by_intent[i]]
        self._texts: list[str] = []
        starts, weight = [], []
        for intent in self._intent_names:
            starts.append(len(self._texts))
            for text in sorted(by_intent[intent], key=len):
                self._texts.append(text)
                weight.append(weights.get(intent.split(":", 1)[0], 1.0))
        self._starts = np.array(starts, dtype=np.intp)
        self._group = np.repeat(np.arange(len(starts)), np.diff(np.append(self._starts, len(self._texts))))
        self._weight = np.array(weight)
        self._lengths = np.array([len(t) for t in self._texts])
        self._array = np.array(self._texts, dtype=object)
        # English examples, and how much a token_set match of each counts (one word: less).
        self._ascii = np.array([i for i, t in enumerate(self._texts) if t.isascii()], dtype=np.intp)
        words = np.array([self._texts[i].count(" ") + 1 for i in self._ascii])
        self._token_factor = np.where(words == 1, 0.8, 0.9 + 0.03 * np.minimum(words - 1, 2))
        self._ascii_texts = [self._texts[i] for i in self._ascii]
        self._ascii_words = _word_postings(self._ascii_texts)
        self._ascii_sorted_chars = _char_postings([_sorted_words(t) for t in self._ascii_texts])
        self._ascii_sorted_lengths = np.array([len(_sorted_words(t)) for t in self._ascii_texts])
        self._pairs = _pair_postings(self._texts)
        self._chars = _char_postings(self._texts)
        self._kept = lru_cache(maxsize=SCORES_KEPT)(self._score)

    def __len__(self) -> int:
        return len(self._texts)

    def score(self, text: str, cutoff: float = 40.0) -> list[Scored]:
        """Intents by descending score (best example each), those above ``cutoff``. Scores are
        kept for the last forms scored: names are masked, so 「宇部のスマホ教室」 and 「萩のスマホ
        教室」 are one form (470 of the 5,900 scores of two passes over the conversation set are
        kept ones); the caller gets its own list."""
        return list(self._kept(text, cutoff))

    def _score(self, text: str, cutoff: float) -> tuple[Scored, ...]:
        if not text:
            return ()
        n = len(text)
        lengths = self._lengths
        scores = np.zeros(len(self._texts))
        # Whole-string similarity, ratio = 200·LCS / (n + m), on the examples whose shared
        # characters can reach the cutoff.
        hits = [
            self._chars[c, k]
            for c, times in Counter(text).items()
            for k in range(1, times + 1)
            if (c, k) in self._chars
        ]
        if hits:
            shared = np.bincount(np.concatenate(hits), minlength=len(self._texts))
            candidates = np.flatnonzero(shared * 200 >= cutoff * (n + lengths))
            if len(candidates):
                scores[candidates] = process.cdist(
                    [text], self._array[candidates].tolist(), scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64
                )[0]
        # partial: the example (3 characters or more, not longer than the message) inside the
        # message, tried on the examples that share enough character pairs with it.
        hits = [ids for ids in map(self._pairs.get, {text[k : k + 2] for k in range(n - 1)}) if ids is not None]
        if hits:
            shared = np.bincount(np.concatenate(hits), minlength=len(self._texts))
            candidates = np.flatnonzero((lengths >= 3) & (lengths <= n) & (shared * 3 >= lengths - 1))
            if len(candidates):
                partial = process.cdist(
                    self._array[candidates].tolist(),
                    [text],
                    scorer=fuzz.partial_ratio,
                    score_cutoff=max(cutoff, 80),
                    dtype=np.float64,
                )[:, 0]
                partial *= 0.85 + 0.15 * lengths[candidates] / n
                scores[candidates] = np.maximum(scores[candidates], partial)
        if text.isascii() and " " in text and len(self._ascii):
            picked = self._token_candidates(text, max(cutoff, 70))
            if len(picked):
                token = np.zeros(len(self._ascii))
                token[picked] = process.cdist(
                    [text],
                    [self._ascii_texts[i] for i in picked.tolist()],
                    scorer=fuzz.token_set_ratio,
                    score_cutoff=max(cutoff, 70),
                    dtype=np.float64,
                )[0]
                token *= self._token_factor
                scores[self._ascii] = np.maximum(scores[self._ascii], token)
        scores *= self._weight
        best = np.maximum.reduceat(scores, self._starts)
        # The best example of each intent above the cutoff: the first one scoring its intent's best.
        at_best = np.flatnonzero((scores > cutoff) & (scores == best[self._group]))
        groups = self._group[at_best]
        first = np.ones(len(at_best), dtype=bool)
        first[1:] = groups[1:] != groups[:-1]
        found = [
            Scored(self._intent_names[g], value, self._texts[i])
            for g, i, value in zip(groups[first].tolist(), at_best[first].tolist(), scores[at_best[first]].tolist())
        ]
        return tuple(sorted(found, key=lambda s: -s.score))  # stable: a tie keeps the knowledge's order

    def _token_candidates(self, text: str, cutoff: float) -> np.ndarray:
        """The English examples (positions in ``_ascii``) whose ``token_set_ratio`` with ``text``
        can reach ``cutoff``: those that share a word with it, and those whose sorted words
        share enough characters with the message's. Two texts with no word in common score
        the ``ratio`` of their sorted words, 200·LCS / (n + m), which the characters they share,
        counted with repeats, bound; so no score is lost."""
        words = set(text.split())
        joined = _sorted_words(text)
        hits = [
            self._ascii_sorted_chars[c, k]
            for c, times in Counter(joined).items()
            for k in range(1, times + 1)
            if (c, k) in self._ascii_sorted_chars
        ]
        shared = np.bincount(np.concatenate(hits), minlength=len(self._ascii)) if hits else np.zeros(len(self._ascii))
        reach = shared * 200 >= cutoff * (len(joined) + self._ascii_sorted_lengths) - 1
        sharing = [ids for ids in map(self._ascii_words.get, words) if ids is not None]
        if sharing:
            reach[np.concatenate(sharing)] = True
        return np.flatnonzero(reach)
