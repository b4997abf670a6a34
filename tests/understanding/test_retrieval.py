"""Retrieval: BM25 over the answers' documents, and coverage of the message's words."""

from collections import Counter

from bot.understanding.retrieval import Retriever


def make():
    docs = {
        "proc:a": Counter({"@care": 2, "@certification": 2, "認定": 1}),
        "proc:b": Counter({"@care": 2, "@renewal": 2, "更新": 1}),
        "faq:free": Counter({"@aspect_cost": 1, "無料": 1}),
    }
    return Retriever(docs, side_terms={"@aspect_cost", "@family"})


def test_the_document_with_the_rarer_words_ranks_first():
    found = make().search(Counter({"@care": 1, "@renewal": 1}))
    assert found[0].intent == "proc:b" and found[0].coverage == 1.0
    assert found[1].intent == "proc:a" and found[1].coverage < 1.0


def test_a_word_no_answer_uses_lowers_coverage():
    found = make().search(Counter({"@care": 1, "天気": 1}))
    assert all(r.coverage < 0.5 for r in found)


def test_aspects_and_people_score_but_never_cover():
    found = make().search(Counter({"@care": 1, "@family": 1, "@aspect_cost": 1}))
    assert next(r for r in found if r.intent == "proc:a").coverage == 1.0
    free = next(r for r in found if r.intent == "faq:free")
    assert free.score > 0 and free.coverage == 0.0


def test_no_words_no_answers():
    assert make().search(Counter()) == []
