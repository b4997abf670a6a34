"""Intent scoring with rapidfuzz over the examples in ``knowledge/``.

Lives here: ``IntentScorer``. Each example is stored in its folded kana reading
with place and carrier names removed (the same masking a message gets), and a
message is scored against all of them with two rapidfuzz scorers: whole-string
similarity (``ratio``), and for examples of three characters or more, how well the
example appears inside the message (``partial_ratio``), discounted by how much of
the message it covers. English examples also use ``token_set_ratio``.
The best example per intent is that intent's score. Pure computation.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float
    example: str


class IntentScorer:
    """Scores a masked, folded reading against every example of every intent."""

    def __init__(self, examples: list[tuple[str, str]], weights: dict[str, float] | None = None):
        """``examples``: (intent id, masked folded reading) pairs; ``weights`` scale the
        score of intents whose id starts with a key (broad menus yield to specific answers)."""
        self._weights = weights or {}
        seen: set[tuple[str, str]] = set()
        self._intents: list[str] = []
        self._texts: list[str] = []
        for intent, text in examples:
            if not text or (intent, text) in seen:
                continue
            seen.add((intent, text))
            self._intents.append(intent)
            self._texts.append(text)
        # Examples by length, so each scorer only sees the examples that can reach its cutoff.
        order = sorted(range(len(self._texts)), key=lambda i: len(self._texts[i]))
        self._by_length = [self._texts[i] for i in order]
        self._length_index = order
        self._lengths = [len(t) for t in self._by_length]
        ascii_ids = [i for i in range(len(self._texts)) if self._texts[i].isascii()]
        self._ascii_texts = [self._texts[i] for i in ascii_ids]
        self._ascii_index = ascii_ids
        # Which examples contain each character pair: an example can only appear
        # (partially) inside a message if they share some pairs, so ``partial_ratio``
        # runs on those few instead of on every example.
        self._pairs: dict[str, list[int]] = {}
        for i, t in enumerate(self._texts):
            for pair in {t[k : k + 2] for k in range(len(t) - 1)}:
                self._pairs.setdefault(pair, []).append(i)

    def __len__(self) -> int:
        return len(self._texts)

    def score(self, text: str, cutoff: float = 40.0) -> list[Scored]:
        """Intents by descending score (best example each), those above ``cutoff``."""
        if not text:
            return []
        best: dict[str, Scored] = {}

        def keep(index: int, value: float) -> None:
            intent = self._intents[index]
            value *= self._weights.get(intent.split(":", 1)[0], 1.0)
            if value > cutoff and (intent not in best or value > best[intent].score):
                best[intent] = Scored(intent, value, self._texts[index])

        n = len(text)
        # ratio = 2·matches / (n + m) can only pass the cutoff when m is within a factor of n.
        factor = 200 / cutoff - 1
        lo = bisect_left(self._lengths, int(n / factor))
        hi = bisect_right(self._lengths, int(n * factor) + 1)
        for _, value, j in process.extract(
            text, self._by_length[lo:hi], scorer=fuzz.ratio, limit=None, score_cutoff=cutoff
        ):
            keep(self._length_index[lo + j], value)
        # partial: the example (3 characters or more, not longer than the message) inside the
        # message, tried on the examples that share enough character pairs with it.
        shared: dict[int, int] = {}
        for pair in {text[k : k + 2] for k in range(n - 1)}:
            for i in self._pairs.get(pair, ()):
                shared[i] = shared.get(i, 0) + 1
        candidates = [
            i for i, count in shared.items()
            if 3 <= len(self._texts[i]) <= n and count * 3 >= len(self._texts[i]) - 1
        ]  # fmt: skip
        scorer = fuzz.partial_ratio
        for i in candidates:
            value = scorer(self._texts[i], text, score_cutoff=max(cutoff, 80))
            if value:
                keep(i, value * (0.85 + 0.15 * len(self._texts[i]) / n))
        if text.isascii() and " " in text:
            for example, value, j in process.extract(
                text, self._ascii_texts, scorer=fuzz.token_set_ratio, limit=None, score_cutoff=max(cutoff, 70)
            ):
                words = example.count(" ") + 1
                keep(self._ascii_index[j], value * (0.8 if words == 1 else 0.9 + 0.03 * min(words - 1, 2)))
        return sorted(best.values(), key=lambda s: -s.score)
