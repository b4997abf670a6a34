"""A class's day and hours, the same in the class listing, the reminders, the digest and the
newsletter: 「12月6日（土）」 / "Sat 6 Dec", 「10:30～11:30」 / "10:30–11:30"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.classes.days import day_label, time_range
from bot.data.schema import Text

MONDAY = date(2026, 11, 30)


def test_every_weekday_in_japanese_and_english(knowledge):
    week = [MONDAY + timedelta(days=i) for i in range(7)]
    assert [day_label(d, "ja", knowledge) for d in week] == [
        "11月30日（月）",
        "12月1日（火）",
        "12月2日（水）",
        "12月3日（木）",
        "12月4日（金）",
        "12月5日（土）",
        "12月6日（日）",
    ]
    assert [day_label(d, "en", knowledge) for d in week] == [
        "Mon 30 Nov",
        "Tue 1 Dec",
        "Wed 2 Dec",
        "Thu 3 Dec",
        "Fri 4 Dec",
        "Sat 5 Dec",
        "Sun 6 Dec",
    ]


def test_the_words_come_from_the_texts(knowledge):
    texts = {**knowledge.texts.texts, "weekdays": Text(ja="月曜 火曜 水曜 木曜 金曜 土曜 日曜", en="M T W Th F Sa Su")}
    edited = replace(knowledge, texts=knowledge.texts.model_copy(update={"texts": texts}))
    assert day_label(date(2027, 1, 2), "ja", edited) == "1月2日（土曜）"
    assert day_label(date(2027, 1, 2), "en", edited) == "Sa 2 Jan"


def test_hours_with_and_without_an_end(knowledge):
    assert time_range("10:30", "11:30", "ja", knowledge) == "10:30～11:30"
    assert time_range("13:00", None, "ja", knowledge) == "13:00～"
    assert time_range("10:30", "11:30", "en", knowledge) == "10:30–11:30"
    assert time_range("13:00", "", "en", knowledge) == "13:00–"
