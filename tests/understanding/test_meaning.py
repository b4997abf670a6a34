"""Meaning: life events, the word-level guard on character matching, names masked."""

import pytest

from bot.understanding.meaning import mask_names
from bot.understanding.normalize import fold

TODAY = __import__("datetime").date(2026, 11, 26)


@pytest.mark.parametrize(
    "text, event",
    [
        ("孫が生まれた", "birth"),
        ("台風で屋根が飛んだ", "disaster"),
        ("my wife is expecting", "pregnancy"),
        ("母が寝たきりになりました", "care_needed"),
        ("父の介護保険証をなくした", "care_card_lost"),
        ("保険証がなくなるって聞いた", "health_insurance_card"),
        ("来月引っ越します", "moving"),
    ],
)
def test_life_events(understanding, text, event):
    assert understanding.parse(text, TODAY).sense.events[0].id == event


def test_a_smartphone_screen_is_no_disaster(understanding):
    assert not understanding.parse("スマホの画面が壊れた", TODAY).sense.events


def test_kaigo_is_not_eigo(understanding):
    """「介護」 is one kana from 「英語」: a known word is no typo of another."""
    p = understanding.parse("介護", TODAY)
    assert all(s.intent != "lang_en" for s in p.intents)


def test_a_typo_still_matches(understanding):
    p = understanding.parse("ドコム", TODAY)
    assert p.carrier == "docomo" or (p.best and p.best.intent == "shops")


def test_names_are_masked_in_the_original_text():
    cleaned = "防府のドコモショッブ"
    kept = fold(cleaned, keep_katakana=True)
    start = kept.index("ドコモ")
    assert mask_names(cleaned, kept, [(0, 2), (start, start + 3)]) == "  の   ショッブ"


def test_masking_keeps_long_vowel_marks_aligned():
    cleaned = "マイナンバーカード 宇部"
    kept = fold(cleaned, keep_katakana=True)
    start = kept.index("宇部")
    assert mask_names(cleaned, kept, [(start, start + 2)]).startswith("マイナンバーカード")
    assert "宇部" not in mask_names(cleaned, kept, [(start, start + 2)])


def test_unknown_words_by_morphology(understanding):
    assert understanding.parse("ゴミの日はいつ", TODAY).unknown  # katakana ゴミ is a word of its own
    assert understanding.parse("天気を教えて", TODAY).unknown == ["天気"]
    assert not understanding.parse("宇部のスマホ教室", TODAY).unknown


def test_the_question_sentence_is_kept(understanding):
    text = "先日はありがとうございました。いつも楽しく拝見しております。ところで、介護認定の更新はどうすれば？"
    assert understanding.focus(text, TODAY) == "介護認定の更新はどうすれば"


def test_retrieval_is_searched_once_and_only_when_asked_for(understanding, monkeypatch):
    """The sentences of a long message are read for their concepts; the answers retrieval finds
    are searched only for a sense whose answers are asked for, once."""
    meaning = understanding.meaning
    searches = []
    search = meaning.retriever.search
    monkeypatch.setattr(meaning.retriever, "search", lambda terms: searches.append(terms) or search(terms))
    sense = meaning.sense("マイナンバーカードを保険証として使いたい")
    assert searches == []
    assert sense.retrieved and sense.retrieved is sense.retrieved
    assert len(searches) == 1
    assert sense.retrieved[0].intent == search(sense.terms)[0].intent
