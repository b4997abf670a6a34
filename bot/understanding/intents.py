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
        self._ascii = [t.isascii() for t in self._texts]

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

        for _, value, index in process.extract(
            text, self._texts, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff
        ):
            keep(index, value)
        n = len(text)
        for example, value, index in process.extract(
            text, self._texts, scorer=fuzz.partial_ratio, limit=None, score_cutoff=max(cutoff, 80)
        ):
            m = len(example)
            if m < 3 or m > n:
                continue
            keep(index, value * (0.85 + 0.15 * m / n))
        if text.isascii() and " " in text:
            for example, value, index in process.extract(
                text, self._texts, scorer=fuzz.token_set_ratio, limit=None, score_cutoff=max(cutoff, 70)
            ):
                if not self._ascii[index]:
                    continue
                words = example.count(" ") + 1
                keep(index, value * (0.8 if words == 1 else 0.9 + 0.03 * min(words - 1, 2)))
        return sorted(best.values(), key=lambda s: -s.score)
