"""Place and carrier names, with the boundaries that keep common words out."""

from datetime import date

import pytest

from bot.understanding.gazetteer import ELSEWHERE, Gazetteer

DAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    "text, city",
    [
        ("宇部のドコモ", "宇部市"),
        ("うべのドコモ", "宇部市"),
        ("ウベ", "宇部市"),
        ("ube no docomo", "宇部市"),
        ("小郡のソフトバンク", "山口市"),
        ("長府", "下関市"),
        ("徳山でスマホ教室", "周南市"),
        ("新南陽", "周南市"),
        ("小野田", "山陽小野田市"),
        ("山陽小野田市", "山陽小野田市"),
        ("ほうふ すまほ教しつ", "防府市"),
        ("ｼｭｳﾅﾝ ﾄﾞｺﾓ", "周南市"),
        ("Where is the shop in Hofu?", "防府市"),
        ("光の教室", "光市"),
    ],
)
def test_cities(understanding, text, city):
    assert understanding.parse(text, DAY).cities[:1] == [city]


@pytest.mark.parametrize("text", ["光回線", "光る", "あぶないメール", "ショップをさがす", "買うべき", "わからない"])
def test_common_words_are_not_places(understanding, text):
    p = understanding.parse(text, DAY)
    assert p.cities == [] and p.elsewhere is None


@pytest.mark.parametrize(
    "text, carrier",
    [
        ("ドコモ", "docomo"),
        ("どこも", "docomo"),
        ("ﾄﾞｺﾓ", "docomo"),
        ("ドコもショプ", "docomo"),
        ("ａｕショップ", "au"),
        ("エーユー", "au"),
        ("ソフトバンッ", "softbank"),
        ("softbank", "softbank"),
        ("楽天", "rakuten"),
    ],
)
def test_carriers(understanding, text, carrier):
    assert understanding.parse(text, DAY).carrier == carrier


@pytest.mark.parametrize(
    "text", ["What is the Toyota share price today?", "how much is toyota stock now", "Where can I buy Asahi beer?"]
)
def test_a_district_in_an_english_sentence_needs_a_place_word(understanding, text):
    assert understanding.parse(text, DAY).cities == []


@pytest.mark.parametrize(
    "text",
    [
        "Are there classes in Toyota?",
        "the shop near Toyota station",
        "toyota no docomo",
        "豊田のドコモ",
        "Shops in Shimonoseki",
    ],
)
def test_a_district_marked_as_a_place_is_one(understanding, text):
    assert understanding.parse(text, DAY).cities == ["下関市"]


def test_au_is_a_whole_word(understanding):
    assert understanding.parse("august", DAY).carrier is None


def test_other_prefectures(understanding):
    p = understanding.parse("広島のドコモ", DAY)
    assert p.elsewhere == "広島" and p.cities == []
    assert ELSEWHERE  # the marker exists for the gazetteer


def test_prefecture_as_a_whole(understanding):
    p = understanding.parse("山口県のスマホ教室", DAY)
    assert p.prefecture_wide and p.cities == []


@pytest.mark.parametrize(
    "text, carrier",
    [("docomoo ube", "docomo"), ("sofbank hofu", "softbank"), ("softbnak", "softbank"), ("ドモコ 山口", "docomo")],
)
def test_a_carrier_with_one_letter_off(understanding, text, carrier):
    assert understanding.parse(text, DAY).carrier == carrier


@pytest.mark.parametrize("text", ["documents", "docs", "sofa", "bank", "economy"])
def test_a_word_near_a_carrier_is_not_one(understanding, text):
    assert understanding.parse(text, DAY).carrier is None


def test_names_of_one_two_and_more_characters_leftmost_longest():
    """Lengths are kept by a name's first two characters: a one-character name, a name that
    another begins with, and a name at the very end are all still found, the longest first."""
    gaz = Gazetteer()
    gaz.add("city", "光市", "光")
    gaz.add("city", "山口市", "山口")
    gaz.add("city", "山陽小野田市", "山陽小野田")
    gaz.add("city", "山陽町", "山陽")
    found = [(m.value, m.start, m.end) for m in gaz.find("山陽小野田と山陽と山口と光")]
    assert found == [("山陽小野田市", 0, 5), ("山陽町", 6, 8), ("山口市", 9, 11), ("光市", 12, 13)]
    assert [m.value for m in gaz.find("光の教室")] == ["光市"]
    assert gaz.find("光回線") == []  # a one-kanji name still needs its boundary
