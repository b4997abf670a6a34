"""Retrieval over everything the bot knows: a message scored against the whole text of each answer.

Lives here: ``Terms`` (a text's words and concepts as weighted terms: concept ids as
``@care``, and the content lemmas no concept claims, so 現況届 or 被保険者証 still count as
themselves), ``Retriever`` (BM25 over the answers' documents — an intent's examples, an FAQ
entry's examples and label, a procedure's names, aliases and explanation, each with the
concepts it declares) and ``Retrieved`` (an answer's BM25 score and its *coverage*: how much of
the message's informative weight, by IDF, the answer's document holds; words that no answer
uses lower it, which is what makes a message out of scope). Aspect and neutral concepts (何が
いる, 母) score but never count for coverage: they say what is asked of a topic, or for whom,
not the topic. Pure computation.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

K1 = 1.2
B = 0.75
UNSEEN_EXTRA = 0.5  # a word no answer uses weighs this much more than the rarest word that some answer uses
DECLARED_WEIGHT = 2.0  # a concept an answer declares counts as much as two mentions
SIDE_WEIGHT = 0.3  # an aspect or neutral concept: it scores a little, it never covers


@dataclass(frozen=True)
class Retrieved:
    intent: str
    score: float
    coverage: float


class Retriever:
    def __init__(self, documents: dict[str, Counter], side_terms: set[str]):
        """``documents``: intent id → weighted terms; ``side_terms``: aspect and neutral concept
        terms, which never count for coverage."""
        self._side = side_terms
        self._order = {doc: i for i, doc in enumerate(documents)}  # ties keep the knowledge's order
        self._lengths = {d: sum(t.values()) for d, t in documents.items()}
        self._avg = sum(self._lengths.values()) / max(1, len(documents))
        # Each posting keeps its term's BM25 weight in the document (tf saturated, length normalised).
        postings: dict[str, list[tuple[str, float]]] = {}
        for doc, terms in documents.items():
            for term, tf in terms.items():
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self._lengths[doc] / self._avg))
                postings.setdefault(term, []).append((doc, norm))
        self._postings = postings
        n = len(documents)
        self._idf = {t: math.log((n - len(p) + 0.5) / (len(p) + 0.5) + 1) for t, p in postings.items()}
        self._unseen = (max(self._idf.values()) if self._idf else 1.0) + UNSEEN_EXTRA

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unseen)

    def knows(self, term: str) -> bool:
        return term in self._postings

    def search(self, query: Counter, limit: int = 8) -> list[Retrieved]:
        """Answers by descending BM25 score, with their coverage of ``query``."""
        if not query:
            return []
        scores: Counter = Counter()
        covered: Counter = Counter()
        total = 0.0
        for term, qtf in query.items():
            idf = self.idf(term)
            side = term in self._side
            weight = idf * (SIDE_WEIGHT if side else 1.0) * min(qtf, 2.0)
            postings = self._postings.get(term, ())
            for doc, norm in postings:
                scores[doc] += weight * norm
            if not side:
                total += idf
                for doc, _ in postings:
                    covered[doc] += idf
        if total == 0:
            return [Retrieved(d, s, 0.0) for d, s in scores.most_common(limit)]
        ranked = sorted(scores.items(), key=lambda ds: (-ds[1], self._order[ds[0]]))[:limit]
        return [Retrieved(doc, score, covered[doc] / total) for doc, score in ranked]
