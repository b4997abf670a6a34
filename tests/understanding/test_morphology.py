"""Words by morphology: lemmas fold spelling and conjugation; English stems meet."""

import pytest

from bot.understanding.morphology import english_words, shared_analyser, stem


@pytest.fixture(scope="module")
def analyser():
    return shared_analyser()


def lemmas(analyser, text):
    return [w.lemma for w in analyser.words(text) if w.content]


@pytest.mark.parametrize(
    "a, b",
    [("引越しした", "引っ越しした"), ("子どもの手当", "子供の手当"), ("飛んだ", "飛ぶ"), ("使いよる", "使う")],
)
def test_spellings_and_conjugations_fold_to_one_lemma(analyser, a, b):
    assert lemmas(analyser, a)[0] == lemmas(analyser, b)[0]


def test_half_width_katakana_reads_as_full_width(analyser):
    assert [w.surface for w in analyser.words("ｽﾏﾎ教室")][0] == "スマホ"


def test_reading_is_hiragana(analyser):
    assert analyser.reading("介護保険") == "かいごほけん"


def test_a_word_the_dictionary_does_not_know_is_marked(analyser):
    assert not analyser.words("ドコモショッブ")[0].listed
    assert analyser.words("ゴミ")[0].listed


@pytest.mark.parametrize(
    "forms",
    [
        ("move", "moved", "moving"),
        ("flood", "floods", "flooding"),
        ("baby", "babies"),
        ("stop", "stopped"),
        ("class", "classes"),
    ],
)
def test_english_forms_meet(forms):
    assert len({stem(f) for f in forms}) == 1


def test_english_words_are_lower_case_stems():
    assert english_words("We MOVED to Ube") == ["we", "mov", "to", "ube"]


def test_the_knowledges_analyses_are_kept_and_recalled(tmp_path, knowledge, monkeypatch):
    """The second start takes the knowledge's analyses from the cache, without the dictionary."""
    from bot.understanding import parser
    from bot.understanding.morphology import Analyser

    monkeypatch.setenv("MADOGUCHI_CACHE", str(tmp_path))
    fresh = Analyser()
    monkeypatch.setattr(parser, "shared_analyser", lambda: fresh)
    first = parser.Understanding(knowledge)
    kept = list(tmp_path.glob("analyses-*.marshal"))
    assert len(kept) == 1
    again = Analyser()
    assert again.recall(kept[0])
    calls = []
    monkeypatch.setattr(again, "_analyse", lambda text: calls.append(text) or ())
    monkeypatch.setattr(parser, "shared_analyser", lambda: again)
    second = parser.Understanding(knowledge)
    assert calls == []  # every text of the knowledge came from the cache, none from the dictionary
    assert second.meaning.known == first.meaning.known and second.meaning.mentioned == first.meaning.mentioned
    assert second.meaning.index.conflicts == [] and len(second.meaning.known) > 500


def test_messages_analyses_are_kept_where_the_collector_does_not_walk(analyser):
    """A kept analysis is plain tuples the collector lets go of (``Word`` tuples it would walk
    at every full collection, thousands of them); each call still gets ``Word``s."""
    import gc

    text = "孫にスマホをもろうたけど使い方がわからんのよ"
    first = analyser.words(text)
    assert all(type(w).__name__ == "Word" for w in first) and first[0].surface == "孫"
    gc.collect()  # lets go of the inner tuples,
    gc.collect()  # then of the tuple that holds them
    assert not gc.is_tracked(analyser._recent(text))
    assert analyser.words(text) == first
