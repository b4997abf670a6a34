"""The demo schedule: four weeks of sample classes at every shop that holds classes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from bot import config
from bot.app import fill_demo
from bot.classes.demo import CAPACITY, SEED_STARTS, demo_classes
from bot.classes.topics import TopicTagger
from bot.data import vocabulary
from bot.data.shops import load_shops
from bot.store.classes import ClassStore

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def shops(knowledge):
    return load_shops(config.shops_file(), knowledge.municipalities.municipalities)


@pytest.fixture(scope="module")
def tagger(knowledge):
    return TopicTagger(knowledge.programme.topics)


@pytest.fixture(scope="module")
def sessions(shops, tagger):
    return demo_classes(shops, tagger, TODAY, "山口県")


def by_shop(sessions):
    out = defaultdict(list)
    for s in sessions:
        out[s.shop_id].append(s)
    return out


def test_every_shop_that_holds_classes_and_no_other(shops, sessions):
    holding = {s.id for s in shops.listing.shops if s.kind == "shop" and s.holds_classes}
    assert len(holding) == 21
    assert set(by_shop(sessions)) == holding
    assert "rakuten-senior-support-desk" not in by_shop(sessions)


def test_the_next_28_days(sessions):
    days = {s.day for s in sessions}
    assert min(days) == TODAY
    assert max(days) == TODAY + timedelta(days=27)
    assert all(TODAY <= d < TODAY + timedelta(days=28) for d in days)


def test_each_shop_covers_the_whole_four_weeks(sessions):
    for shop_id, mine in by_shop(sessions).items():
        days = sorted({s.day for s in mine})
        assert days[0] == TODAY, shop_id  # something to show today
        assert days[-1] >= TODAY + timedelta(days=25), shop_id
        assert max(b - a for a, b in zip(days, days[1:])) <= timedelta(days=3), shop_id
        for week in range(4):
            start = TODAY + timedelta(days=7 * week)
            in_week = [d for d in days if start <= d < start + timedelta(days=7)]
            assert 2 <= len(in_week) <= 4, (shop_id, week, in_week)


def test_four_classes_a_class_day(sessions):
    per_day = defaultdict(list)
    for s in sessions:
        per_day[(s.shop_id, s.day)].append(s.start)
    assert all(sorted(starts) == sorted(SEED_STARTS) for starts in per_day.values())


def test_every_session_is_a_sample_with_the_shop_details(shops, sessions):
    listing = {s.id: s for s in shops.listing.shops}
    for c in sessions:
        shop = listing[c.shop_id]
        assert c.sample is True
        assert (c.venue, c.phone, c.address, c.municipality, c.carrier) == (
            shop.name,
            shop.phone,
            shop.address,
            shop.municipality,
            shop.carrier,
        )
        assert c.prefecture == "山口県"
        assert c.capacity == CAPACITY and 0 <= c.seats_left <= CAPACITY
        assert c.booking_required
        h, m = map(int, c.start.split(":"))
        assert c.end == f"{h + 1:02d}:{m:02d}"


def test_all_five_levels_appear(sessions):
    assert {s.level for s in sessions} == set(vocabulary.levels())
    for shop_id, mine in by_shop(sessions).items():
        assert len({s.level for s in mine}) >= 4, shop_id


def test_topics_are_tagged_from_the_title(sessions):
    mynumber = [s for s in sessions if "マイナンバー" in s.title]
    assert mynumber and all("mynumber" in s.topics for s in mynumber)
    assert all(s.level == "活用" and s.bring and "マイナンバーカード" in s.bring for s in mynumber)


def test_natural_keys_are_unique(sessions):
    assert len({s.natural_key for s in sessions}) == len(sessions)


def test_deterministic_for_the_same_day(shops, tagger, sessions):
    assert demo_classes(shops, tagger, TODAY, "山口県") == sessions
    tomorrow = demo_classes(shops, tagger, TODAY + timedelta(days=1), "山口県")
    assert min(s.day for s in tomorrow) == TODAY + timedelta(days=1)


async def test_fill_demo_fills_only_an_empty_database(app, clock, sessions):
    # the ``app`` fixture's database was filled by --demo for the same day
    store = ClassStore(app.db)
    assert await store.count() == len(sessions)
    assert await fill_demo(app, clock) == 0
    assert await store.count() == len(sessions)
