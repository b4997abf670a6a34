"""The closed word lists of knowledge/ (particles.yaml, dates.yaml, carriers.yaml): an invalid
edit refused with its file and line; a date word added read by the understanding with no
change to the code."""

from __future__ import annotations

from datetime import date

import pytest

from bot.data import vocabulary
from bot.data.knowledge import load_knowledge
from bot.data.yaml_lines import DataError
from bot.understanding.when import parse_when
from tests.support.knowledge_files import copy_knowledge, edit_line

TODAY = date(2026, 11, 26)


@pytest.fixture
def copy(tmp_path):
    return copy_knowledge(tmp_path)


@pytest.mark.parametrize(
    "file, starts_with, edited, problem",
    [
        ("carriers.yaml", "  - id: au", "  - id: docomo\n", "carriers[1].id: duplicate carrier 'docomo'"),
        ("carriers.yaml", "    words: [au,", "    words: []\n", "carriers[1].words: List should have at least 1 item"),
        (
            "particles.yaml",
            "before_name:",
            "before_name: [は, がを]\n",
            "before_name: Value error, each is one hiragana",
        ),
        (
            "particles.yaml",
            "romaji_english_too:",
            "romaji_english_too: [a, the]\n",
            "romaji_english_too: Value error, not in romaji: the",
        ),
        (
            "dates.yaml",
            "weekday_en:",
            "weekday_en: [monday, tuesday]\n",
            "weekday_en: List should have at least 7 items",
        ),
        ("dates.yaml", "  - period: tomorrow", "  - period: someday\n", "days[1].period: Value error, not a period"),
        (
            "dates.yaml",
            '    after: "16:00"',
            '    after: "4pm"\n',
            "parts_of_day[2].after: String should match pattern",
        ),
    ],
)
def test_a_broken_word_list_is_refused_with_its_line(copy, file, starts_with, edited, problem):
    path = copy / file
    line = edit_line(path, starts_with, edited)
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    (found,) = exc.value.problems
    assert found.startswith(f"{path}:{line}: {problem}"), found


def test_a_date_word_added_to_the_file_is_understood(copy):
    edit_line(copy / "dates.yaml", "    words: [明日,", "    words: [明日, 翌日, あした, あす, tomorrow]\n")
    words = load_knowledge(copy).dates
    f = parse_when("翌日の教室", "よくじつのきようしつ", TODAY, words=words)
    assert f is not None and (f.period, f.start) == ("tomorrow", date(2026, 11, 27))
    assert parse_when("翌日の教室", "よくじつのきようしつ", TODAY) is None  # the bundled words do not have it


def test_the_bundled_lists(knowledge):
    assert vocabulary.particles() == knowledge.particles
    assert vocabulary.date_words() == knowledge.dates
    assert "の" in knowledge.particles.before_name and "no" in knowledge.particles.romaji
    assert {"today", "saturday", "saturdays", "december", "曜日"} <= set(knowledge.dates.words())
