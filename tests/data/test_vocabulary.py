"""Carriers and class levels from their one place in knowledge/: the lists the code reads, and
a carrier added there accepted by a shop listing and a class schedule with no change to the
code (a broken carriers file: tests/data/test_word_lists.py)."""

from __future__ import annotations

import pytest

from bot.classes import cells
from bot.data import vocabulary
from bot.data.knowledge import load_knowledge
from bot.data.shops import load_shops
from tests.data.test_schema import LISTING, replace_once
from tests.support.knowledge_files import copy_knowledge


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A copy of the bundled knowledge/, configured as the bot's."""
    target = copy_knowledge(tmp_path)
    monkeypatch.setenv("MADOGUCHI_KNOWLEDGE", str(target))
    return target


def test_the_lists_are_the_files(knowledge):
    assert (
        vocabulary.carriers()
        == tuple(c.id for c in knowledge.carriers.carriers)
        == (
            "docomo",
            "au",
            "softbank",
            "rakuten",
        )
    )
    assert vocabulary.levels() == tuple(lv.name for lv in knowledge.programme.levels)
    assert dict(vocabulary.schedule_words())["softbank"] == ("ソフトバンク", "softbank")
    assert knowledge.carrier("softbank").name.get("en") == "SoftBank"


def test_a_carrier_added_to_the_file_is_accepted_everywhere(copy, tmp_path):
    with (copy / "carriers.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - id: ymobile\n    name: {ja: ワイモバイル, en: Y!mobile}\n"
            "    words: [ワイモバイル]\n    schedule_words: [ワイモバイル]\n"
        )
    knowledge = load_knowledge(copy)
    assert vocabulary.carriers()[-1] == "ymobile"
    shops = tmp_path / "shops.yaml"
    shops.write_text(replace_once(LISTING, "    carrier: au\n", "    carrier: ymobile\n"), encoding="utf-8")
    listing = load_shops(shops, knowledge.municipalities.municipalities).listing
    assert [s.carrier for s in listing.shops].count("ymobile") == 1
    assert dict(vocabulary.schedule_words())["ymobile"] == ("ワイモバイル",)


def test_a_level_not_in_the_programme_is_refused_by_a_schedule():
    assert cells.read_level("【入門編】") == "入門"
    with pytest.raises(cells.CellError) as exc:
        cells.read_level("上級")
    assert "・".join(vocabulary.levels()) in str(exc.value)
