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
