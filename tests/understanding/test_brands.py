"""Phone brands whose shops the directory does not list (``other_brands`` in
knowledge/intents.yaml): found as such, never read as one of our carriers or a place,
and masked before intent scoring."""

from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    "text, brand",
    [
        ("ワイモバイルのお店は宇部にある？", "ワイモバイル"),
        ("山口市のUQモバイルのショップ", "uq"),
        ("Is there an ahamo shop in Ube?", "ahamo"),
        ("ﾗｲﾝﾓに変えたい", "ラインモ"),  # half-width katakana
    ],
)
def test_a_brand_we_do_not_list_is_named_as_such(understanding, text, brand):
    p = understanding.parse(text, TODAY)
    assert p.other_brand == brand
    assert p.carrier is None  # not taken for 楽天モバイル or SoftBank


def test_our_carriers_are_unchanged(understanding):
    p = understanding.parse("宇部のソフトバンク", TODAY)
    assert (p.carrier, p.other_brand, p.cities) == ("softbank", None, ["宇部市"])
