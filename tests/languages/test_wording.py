"""How each language says dates, the dates a resident asked about, lists and names: every
word a text of knowledge/texts.yaml, a missing one read in Japanese."""

from __future__ import annotations

from datetime import date

import pytest

from bot.languages.wording import Wording
from bot.understanding.when import PERIODS, DateFilter

SAT = date(2026, 12, 5)


def test_a_day_in_each_language(knowledge):
    assert Wording(knowledge, "ja").day(SAT) == "12月5日（土）"
    assert Wording(knowledge, "en").day(SAT) == "Sat 5 Dec"
    assert Wording(knowledge, "ja-easy").day(SAT) == "12月5日（土）"  # the guidelines' own form
    assert Wording(knowledge, "ja").short_day(SAT) == "12/5"
    assert Wording(knowledge, "en").span(SAT, date(2026, 12, 11)) == "5 Dec–11 Dec"


@pytest.mark.parametrize(
    "lang, said",
    [
        ("ja", "来週の土曜の午後"),
        ("ja-easy", "らいしゅうの土よう日のごご"),
        ("en", "5 Dec, starting at 12:00 or later"),
    ],
)
def test_the_dates_asked_are_said_back(knowledge, lang, said):
    asked = DateFilter(SAT, SAT, frozenset({5}), period="next_week", part_of_day="afternoon", after="12:00")
    if lang == "en":
        assert Wording(knowledge, lang).asked(asked) == said
    else:
        assert Wording(knowledge, lang).asked(asked).replace(" ", "") == said


def test_every_period_and_part_has_its_words(knowledge):
    ja = Wording(knowledge, "ja")
    for period in PERIODS:
        assert ja.said(DateFilter(SAT, SAT, period=period, month=12, day=5))
    for part, words in (("early", "上旬"), ("mid", "中旬"), ("late", "下旬")):
        assert ja.said(DateFilter(SAT, SAT, period="month", month=12, month_part=part)) == f"12月{words}"
    assert ja.said(DateFilter(SAT, SAT, frozenset({6}), coming=True)) == "今度の日曜"
    assert ja.said(DateFilter(SAT, SAT, frozenset({5, 6}), period="next_month", days_word="weekend")) == "来月の土日"


def test_lists_and_names(knowledge, app):
    shop = next(s for s in app.engine.services.shops.listing.shops if s.phone_label)
    ja, en, easy = (Wording(knowledge, code) for code in ("ja", "en", "ja-easy"))
    assert ja.join(["宇部市", "山口市"]) == "宇部市・山口市"
    assert en.join([en.city("宇部市"), en.city("山口市")]) == "Ube City, Yamaguchi City"
    assert ja.carrier("softbank") == easy.carrier("softbank") == "ソフトバンク"
    assert en.carrier("softbank") == "SoftBank"
    assert ja.level("入門") == "入門" and en.level("入門") == "Introduction"
    assert en.shop(shop) == f"{shop.name_en} ({shop.name})" and ja.shop(shop) == shop.name
    assert ja.phone(shop) == f"{shop.phone}（{shop.phone_label.get('ja')}）"
    assert en.phone(shop) == f"{shop.phone} ({shop.phone_label.get('en')})"
