"""Date phrases relative to a fixed Thursday, 2026-11-26."""

from datetime import date

import pytest

from bot.understanding.normalize import clean, fold, squeeze
from bot.understanding.when import parse_when

TODAY = date(2026, 11, 26)


def when(text, understanding):
    return parse_when(clean(text), understanding.reading(squeeze(fold(text))), TODAY)


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("今日", date(2026, 11, 26), date(2026, 11, 26)),
        ("明日の教室", date(2026, 11, 27), date(2026, 11, 27)),
        ("あしたの教室", date(2026, 11, 27), date(2026, 11, 27)),
        ("tomorrow", date(2026, 11, 27), date(2026, 11, 27)),
        ("明後日", date(2026, 11, 28), date(2026, 11, 28)),
        ("来週", date(2026, 11, 30), date(2026, 12, 6)),
        ("next week", date(2026, 11, 30), date(2026, 12, 6)),
        ("今週", date(2026, 11, 26), date(2026, 11, 29)),
        ("来月", date(2026, 12, 1), date(2026, 12, 31)),
        ("12月5日", date(2026, 12, 5), date(2026, 12, 5)),
        ("12/5", date(2026, 12, 5), date(2026, 12, 5)),
        ("1月8日", date(2027, 1, 8), date(2027, 1, 8)),
    ],
)
def test_ranges(understanding, text, start, end):
    f = when(text, understanding)
    assert (f.start, f.end) == (start, end)


def test_weekdays(understanding):
    assert when("土曜日の教室", understanding).weekdays == {5}
    assert when("週末", understanding).weekdays == {5, 6}
    assert when("saturday class", understanding).weekdays == {5}


@pytest.mark.parametrize("text", ["教室", "きょうしつ", "教室に通う", "宇部のドコモ"])
def test_no_date(understanding, text):
    assert when(text, understanding) is None


def test_kana_date_word_must_start_a_word():
    today = date(2026, 11, 26)
    # 勉強 (べんきょう) and 東京 (とうきょう) contain きょう, but are not "today".
    assert parse_when("けいたいのべんきょうができるところ", "けいたいのべんきようができるところ", today) is None
    assert parse_when("東京", "とうきよう", today) is None
    assert parse_when("うべできょうある？", "うべできようある", today).label == "今日"
    assert parse_when("きょうある？", "きようある", today).label == "今日"
