"""Date phrases relative to a fixed Thursday, 2026-11-26."""

from datetime import date

import pytest

from bot.data.knowledge import default_knowledge
from bot.languages.wording import Wording
from bot.understanding.normalize import clean, fold, squeeze
from bot.understanding.when import parse_when

TODAY = date(2026, 11, 26)


def said(f):
    """The resident's date words as the Japanese reply says them back."""
    return Wording(default_knowledge(), "ja").said(f)


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


def test_a_word_that_holds_a_date_word_names_no_time(understanding):
    # 夜分 holds 夜 (evening): dates.yaml's not_dates, left out before the dates are read.
    assert understanding.parse("夜分に失礼いたします", TODAY).when is None
    assert understanding.parse("夜の教室", TODAY).when is not None


def test_kana_date_word_must_start_a_word():
    today = date(2026, 11, 26)
    # 勉強 (べんきょう) and 東京 (とうきょう) contain きょう, but are not "today".
    assert parse_when("けいたいのべんきょうができるところ", "けいたいのべんきようができるところ", today) is None
    assert parse_when("東京", "とうきよう", today) is None
    assert said(parse_when("うべできょうある？", "うべできようある", today)) == "今日"
    assert said(parse_when("きょうある？", "きようある", today)) == "今日"


@pytest.mark.parametrize(
    "text, start, end, weekdays, label",
    [
        # a span and a day of the week combine: one Saturday, not the whole week
        ("来週の土曜", date(2026, 11, 30), date(2026, 12, 6), {5}, "来週の土曜"),
        ("来週の月曜と水曜", date(2026, 11, 30), date(2026, 12, 6), {0, 2}, "来週の月曜・水曜"),
        ("来週末", date(2026, 11, 30), date(2026, 12, 6), {5, 6}, "来週の土日"),
        # the coming one only
        ("今度の日曜", date(2026, 11, 26), date(2026, 12, 2), {6}, "今度の日曜"),
        ("this sunday", date(2026, 11, 26), date(2026, 12, 2), {6}, "今度の日曜"),
        # a month by its number, and a part of a month
        ("12月の頭", date(2026, 12, 1), date(2026, 12, 10), set(), "12月上旬"),
        ("来月の中旬", date(2026, 12, 11), date(2026, 12, 20), set(), "来月中旬"),
        ("12月の下旬の土日", date(2026, 12, 21), date(2026, 12, 31), {5, 6}, "12月下旬の土日"),
        ("1月", date(2027, 1, 1), date(2027, 1, 31), set(), "1月"),
        ("early december", date(2026, 12, 1), date(2026, 12, 10), set(), "12月上旬"),
        ("年明け", date(2027, 1, 1), date(2027, 1, 15), set(), "年明け"),
        ("平日", date(2026, 11, 26), date(2026, 12, 24), {0, 1, 2, 3, 4}, "平日"),
    ],
)
def test_spans_and_days_combine(understanding, text, start, end, weekdays, label):
    f = when(text, understanding)
    assert (f.start, f.end, set(f.weekdays), said(f)) == (start, end, weekdays, label)


@pytest.mark.parametrize("text", ["3か月前から", "3ヶ月", "12月5日"])
def test_month_number_is_not_a_span_in_counts_or_dates(understanding, text):
    f = when(text, understanding)
    assert f is None or f.start == f.end


def test_kana_date_word_after_a_space_starts_a_word(understanding):
    # しゅうなん らいしゅう: squeezed, the reading runs ん into らいしゅう; the writer's space says otherwise
    assert said(when("すまほ きょうしつ しゅうなん らいしゅう", understanding)) == "来週"


@pytest.mark.parametrize(
    "text, label",
    [("12月にはじめてスマホ教室に行きたい", "12月"), ("12月の週末", "12月の土日"), ("12月初めての教室", "12月")],
)
def test_part_of_month_words_inside_other_words(understanding, text, label):
    assert said(when(text, understanding)) == label


def test_may_and_march_are_months_only_as_a_time(understanding):
    assert when("May I book a class?", understanding) is None
    assert said(when("classes in May", understanding)) == "5月"


@pytest.mark.parametrize(
    "text, after, before, label",
    [
        ("午後のはある？", "12:00", None, "午後"),
        ("ごごの きょうしつ", "12:00", None, "午後"),
        ("明日の午前中", None, "12:00", "明日の午前"),
        ("来週の土曜の夕方", "16:00", None, "来週の土曜の夕方"),
    ],
)
def test_the_part_of_the_day_limits_the_start_time(text, after, before, label):
    f = parse_when(text, fold(text), date(2026, 11, 26))
    assert (f.after, f.before, said(f)) == (after, before, label)


def test_a_part_of_the_day_alone_covers_the_horizon():
    f = parse_when("午後", fold("午後"), date(2026, 11, 26))
    assert (f.start, f.end, f.weekdays) == (date(2026, 11, 26), date(2026, 12, 24), frozenset())


@pytest.mark.parametrize("text", ["もっと先は？", "その先のは？", "any later ones?"])
def test_later_asks_for_the_classes_after_those_listed(text):
    f = parse_when(text, fold(text), date(2026, 11, 26))
    assert f.later and said(f) == "この先"


def test_a_date_is_not_later():
    f = parse_when("来週", fold("来週"), date(2026, 11, 26))
    assert not f.later
