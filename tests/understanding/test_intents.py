"""Intent scoring (``bot.understanding.intents``): the indexes that pick the examples worth
scoring never lose a score that scoring every example would give."""

import random

import numpy as np
from rapidfuzz import fuzz, process

from bot.understanding.intents import IntentScorer

ENGLISH = [
    "where is the shop",
    "smartphone class",
    "how much does it cost",
    "my number card",
    "i lost my card",
    "health insurance card",
    "thank you",
    "hello",
    "classes for beginners",
    "phone number of the shop",
]


def _scorer() -> IntentScorer:
    return IntentScorer([(f"intent{i}", text) for i, text in enumerate(ENGLISH)] + [("ja", "すまほきょうしつ")])


def test_english_examples_not_scored_still_could_not_reach_the_cutoff():
    """Only the English examples that share a word with a message, or enough characters of
    their sorted words, are scored by token_set_ratio: every other one scores below the cutoff."""
    scorer = _scorer()
    words = sorted({w for t in ENGLISH for w in t.split()} | {"shpo", "clas", "cardd", "moeny", "teh", "zzz"})
    rng = random.Random(7)
    for _ in range(500):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(2, 8)))
        picked = set(scorer._token_candidates(text, 70).tolist())
        full = process.cdist(
            [text], scorer._ascii_texts, scorer=fuzz.token_set_ratio, score_cutoff=70, dtype=np.float64
        )
        assert {i for i, score in enumerate(full[0]) if score >= 70} <= picked, text


def test_a_message_sharing_no_word_and_few_letters_scores_no_english_example():
    scorer = _scorer()
    assert scorer._token_candidates("zzz qqq", 70).tolist() == []
    assert scorer.score("zzz qqq") == []


def test_english_scores_as_before():
    scorer = _scorer()
    best = scorer.score("where is the au shop")[0]
    assert best.intent == "intent0" and best.score > 80


def test_scores_are_kept_and_each_caller_gets_its_own_list():
    scorer = _scorer()
    first = scorer.score("where is the shop")
    first.clear()
    again = scorer.score("where is the shop")
    assert again and again[0].intent == "intent0"
    assert scorer._kept.cache_info().hits == 1


def _every_example_scored(scorer: IntentScorer, text: str, cutoff: float = 40.0) -> dict[str, float]:
    """Each intent's best score with every example scored, no index consulted (Japanese texts:
    the English token scoring is tested above). ``partial`` is the scorer's own choice, an example
    inside the message only where they share a third of its character pairs."""
    lengths = scorer._lengths
    scores = process.cdist([text], scorer._texts, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64)[0]
    pairs = {text[k : k + 2] for k in range(len(text) - 1)}
    shared_pairs = np.array([len(pairs & {t[k : k + 2] for k in range(len(t) - 1)}) for t in scorer._texts])
    eligible = np.flatnonzero((lengths >= 3) & (lengths <= len(text)) & (shared_pairs * 3 >= lengths - 1))
    partial = process.cdist(
        [scorer._texts[i] for i in eligible], [text], scorer=fuzz.partial_ratio, score_cutoff=80, dtype=np.float64
    )[:, 0]
    partial *= 0.85 + 0.15 * lengths[eligible] / len(text)
    scores[eligible] = np.maximum(scores[eligible], partial)
    scores *= scorer._weight
    best: dict[str, float] = {}
    for i, score in enumerate(scores.tolist()):
        intent = scorer._intent_names[scorer._group[i]]
        if score > cutoff:
            best[intent] = max(best.get(intent, 0.0), score)
    return best


def test_the_indexes_lose_no_score_of_a_japanese_message(understanding):
    """Messages made of pieces of the knowledge's own examples, cut, joined and with a character
    changed here and there, as long as the long polite ones: the indexed scoring gives every
    intent the score that scoring every example gives."""
    scorer = understanding.scorer
    japanese = [t for t in scorer._texts if not t.isascii()]
    rng = random.Random(11)
    for _ in range(150):
        pieces = []
        for _ in range(rng.randint(1, 6)):
            example = rng.choice(japanese)
            a = rng.randrange(len(example))
            pieces.append(example[a : a + rng.randint(2, 30)])
        text = list("".join(pieces))
        for _ in range(rng.randint(0, 3)):
            text[rng.randrange(len(text))] = rng.choice("のはがをにでともかしたすまきょう")
        text = "".join(text)
        indexed = {s.intent: s.score for s in scorer._score(text, 40.0)}
        assert indexed.keys() == _every_example_scored(scorer, text).keys(), text
        for intent, score in _every_example_scored(scorer, text).items():
            assert abs(indexed[intent] - score) < 1e-9, (text, intent)
