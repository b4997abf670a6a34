"""Parser details found missing with residents' wording: numbered choices said as
「2番」, and romaji whose particle ``no`` is not the English word."""

from datetime import date

import pytest

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    "text, number",
    [
        ("2", 2),
        ("2番", 2),
        ("２番", 2),
        ("2ばん", 2),
        ("3つ目", 3),
        ("二番", 2),
        ("二番です", 2),
        ("1番をお願いします", 1),
    ],
)
def test_a_numbered_choice(understanding, text, number):
    assert understanding.parse(text, TODAY).number == number


@pytest.mark.parametrize("text", ["90歳", "2人で", "一", "12345", "2番目の子どもの児童手当"])
def test_not_a_numbered_choice(understanding, text):
    assert understanding.parse(text, TODAY).number is None


def test_romaji_with_the_particle_no_is_japanese(understanding):
    p = understanding.parse("shunan no sumaho kyoushitsu raishuu", TODAY)
    assert p.lang != "en"
    assert p.cities == ["周南市"]
    assert p.best.intent == "classes"
    assert p.when is not None and p.when.period == "next_week"


def test_english_with_i_stays_english(understanding):
    assert understanding.parse("I am pregnant", TODAY).lang == "en"


def test_romaji_words_inside_english_are_read_as_japanese(understanding):
    p = understanding.parse("my okaasan need kaigo nintei, how to do?", TODAY)
    assert p.lang == "en"
    assert p.best.intent in ("proc:care-need-certification", "group:care_certification")
    assert p.unknown == []


@pytest.mark.parametrize("text", ["How much tax do I pay on my pension?", "When is garbage collection day in Hofu?"])
def test_english_words_are_not_taken_for_romaji(understanding, text):
    p = understanding.parse(text, TODAY)
    assert p.unknown  # still words the bot does not know: out of scope


def test_english_date_words_are_known(understanding):
    p = understanding.parse("I want learn LINE app in Ube, saturday ok", TODAY)
    assert "saturday" not in p.unknown and p.when is not None and p.when.weekdays == {5}
