"""Classes in the store: upsert by natural key, and the resident's search (never a past class),
on each backend."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from bot.classes.model import ClassSession
from bot.store.classes import ClassQuery, ClassStore

# The conftest clock: Thursday 2026-11-26 09:00 in Tokyo.
TODAY = date(2026, 11, 26)


def session(day: date, start: str, municipality: str = "宇部市", **kw) -> ClassSession:
    fields = dict(
        prefecture="山口県",
        municipality=municipality,
        venue=kw.pop("venue", f"{municipality}の会場"),
        phone="0120-111-111",
        address=f"{municipality}1-1",
        day=day,
        start=start,
        end=None,
        level="入門",
        title="はじめてのスマートフォン",
        carrier="docomo",
        shop_id="docomo-x",
        topics=(),
        capacity=5,
        seats_left=3,
    )
    fields.update(kw)
    return ClassSession(**fields)


SESSIONS = [
    session(TODAY - timedelta(days=1), "10:30", title="昨日の教室"),
    session(TODAY, "08:00", title="今朝の教室"),  # before now (09:00): past
    session(TODAY, "10:30", level="基本", carrier="au", title="今日の教室"),
    session(
        TODAY + timedelta(days=1),
        "13:00",
        "防府市",
        level="活用",
        carrier="softbank",
        title="マイナンバーカードの申請",
        topics=("mynumber",),
        bring="マイナンバーカード",
    ),
    session(TODAY + timedelta(days=2), "10:30", "山口市", level="応用", title="災害に備えよう", topics=("disaster",)),
    session(TODAY + timedelta(days=9), "15:00", level="入門", carrier="au", title="文字入力", topics=("typing",)),
    session(TODAY + timedelta(days=40), "10:30", title="ずっと先の教室"),
]


async def _filled(db, sessions) -> ClassStore:
    s = ClassStore(db)
    await s.upsert_many(sessions)
    return s


@pytest.fixture
async def store(db):
    return await _filled(db, SESSIONS)


def query(clock, **kw) -> ClassQuery:
    return ClassQuery(now=clock(), until=kw.pop("until", TODAY + timedelta(days=27)), **kw)


def titles(found) -> list[str]:
    return [c.title for c in found]


async def test_upsert_by_natural_key_updates(store):
    assert await store.count() == len(SESSIONS)
    original = SESSIONS[2]
    await store.upsert_many([dataclasses.replace(original, seats_left=0, phone="0120-999-999")])
    assert await store.count() == len(SESSIONS)
    async with store.db.conn.execute("SELECT id, seats_left, phone FROM classes WHERE title = '今日の教室'") as cur:
        rows = await cur.fetchall()
    assert [(r["seats_left"], r["phone"]) for r in rows] == [(0, "0120-999-999")]


async def test_upsert_keeps_the_row_id(store, clock):
    found, _ = await store.search(query(clock, limit=1))
    first_id = found[0].id
    await store.upsert_many([dataclasses.replace(SESSIONS[2], seats_left=1)])
    again, _ = await store.search(query(clock, limit=1))
    assert again[0].id == first_id and again[0].seats_left == 1


async def test_another_title_is_another_class(store):
    await store.upsert_many([dataclasses.replace(SESSIONS[2], title="別の教室")])
    assert await store.count() == len(SESSIONS) + 1


async def test_a_class_round_trips(store, clock):
    found, _ = await store.search(query(clock, municipalities=("防府市",)))
    assert len(found) == 1
    got = found[0]
    assert got.id is not None
    assert got == dataclasses.replace(SESSIONS[3], id=got.id)


async def test_search_never_returns_past_classes(store, clock):
    found, total = await store.search(query(clock, limit=10))
    assert titles(found) == ["今日の教室", "マイナンバーカードの申請", "災害に備えよう", "文字入力"]
    assert total == 4
    # even when asked to start yesterday
    found, _ = await store.search(query(clock, start=TODAY - timedelta(days=1), limit=10))
    assert "昨日の教室" not in titles(found) and "今朝の教室" not in titles(found)


async def test_a_class_later_today_is_included_and_one_earlier_is_not(db, clock):
    store = await _filled(db, [session(TODAY, "08:59", title="early"), session(TODAY, "09:01", title="later")])
    found, total = await store.search(query(clock))
    assert titles(found) == ["later"] and total == 1


async def test_search_is_soonest_first_and_counts_all(store, clock):
    found, total = await store.search(query(clock, limit=2))
    assert titles(found) == ["今日の教室", "マイナンバーカードの申請"]
    assert total == 4
    days = [(c.day, c.start) for c in found]
    assert days == sorted(days)


async def test_search_stops_at_until(store, clock):
    found, total = await store.search(query(clock, until=TODAY + timedelta(days=2), limit=10))
    assert titles(found) == ["今日の教室", "マイナンバーカードの申請", "災害に備えよう"] and total == 3
    found, _ = await store.search(query(clock, until=TODAY + timedelta(days=60), limit=10))
    assert titles(found)[-1] == "ずっと先の教室"


async def test_search_from_a_later_start(store, clock):
    found, total = await store.search(query(clock, start=TODAY + timedelta(days=2), limit=10))
    assert titles(found) == ["災害に備えよう", "文字入力"] and total == 2


async def test_filter_by_municipality(store, clock):
    found, total = await store.search(query(clock, municipalities=("宇部市",), limit=10))
    assert titles(found) == ["今日の教室", "文字入力"] and total == 2
    found, _ = await store.search(query(clock, municipalities=("防府市", "山口市"), limit=10))
    assert titles(found) == ["マイナンバーカードの申請", "災害に備えよう"]
    assert await store.search(query(clock, municipalities=("柳井市",))) == ([], 0)


async def test_filter_by_level(store, clock):
    found, _ = await store.search(query(clock, level="入門", limit=10))
    assert titles(found) == ["文字入力"]
    found, _ = await store.search(query(clock, level="活用"))
    assert titles(found) == ["マイナンバーカードの申請"]


async def test_filter_by_the_part_of_the_day(store, clock):
    found, _ = await store.search(query(clock, after="12:00", limit=10))
    assert titles(found) == ["マイナンバーカードの申請", "文字入力"]  # 13:00 and 15:00
    found, _ = await store.search(query(clock, before="12:00", limit=10))
    assert titles(found) == ["今日の教室", "災害に備えよう"]  # 10:30 (08:00 today is past)


async def test_only_classes_after_a_given_one(store, clock):
    found, _ = await store.search(query(clock, beyond=("2026-11-27", "13:00"), limit=10))
    assert titles(found) == ["災害に備えよう", "文字入力"]  # not 11/27 13:00 itself
    found, _ = await store.search(query(clock, beyond=("2026-11-26", "09:00"), limit=10))
    assert titles(found)[0] == "今日の教室"  # later the same day counts


async def test_filter_by_topic(store, clock):
    found, _ = await store.search(query(clock, topic="mynumber"))
    assert titles(found) == ["マイナンバーカードの申請"]
    assert found[0].topics == ("mynumber",)
    assert await store.search(query(clock, topic="mynum")) == ([], 0)  # whole topic ids only


async def test_filter_by_carrier(store, clock):
    found, _ = await store.search(query(clock, carrier="au", limit=10))
    assert titles(found) == ["今日の教室", "文字入力"]
    assert {c.carrier for c in found} == {"au"}


async def test_filter_by_weekday(store, clock):
    saturday, thursday = 5, 3
    found, _ = await store.search(query(clock, weekdays=frozenset({saturday}), limit=10))
    assert titles(found) == ["災害に備えよう", "文字入力"]  # 11-28 and 12-05
    assert {c.day.weekday() for c in found} == {saturday}
    found, _ = await store.search(query(clock, weekdays=frozenset({thursday, saturday}), limit=10))
    assert titles(found) == ["今日の教室", "災害に備えよう", "文字入力"]
    friday = 4
    found, _ = await store.search(query(clock, weekdays=frozenset({friday}), limit=10))
    assert titles(found) == ["マイナンバーカードの申請"]
    sunday = 6
    found, _ = await store.search(query(clock, weekdays=frozenset({sunday}), limit=10))
    assert found == []


async def test_filters_combine(store, clock):
    found, total = await store.search(query(clock, municipalities=("宇部市",), carrier="au", level="入門"))
    assert titles(found) == ["文字入力"] and total == 1


# --- bounded search: every filter on a municipality and on the whole prefecture ---------

NATION = [
    session(
        TODAY + timedelta(days=d),
        start,
        city,
        level=level,
        carrier=carrier,
        topics=topics,
        title=f"{city}{d}{start}{level}",
        prefecture=pref,
        venue=f"{city}{venue}",
    )
    for pref, city in (("山口県", "宇部市"), ("山口県", "防府市"), ("福岡県", "福岡市"))
    for d in range(0, 14)
    for start in ("08:00", "10:30", "13:00", "17:00")
    for level, carrier, topics, venue in (
        ("入門", "docomo", ("mynumber",), "A"),
        ("活用", None, ("mynumber", "typing"), "B"),
        ("基本", "au", (), "C"),
    )
]


@pytest.fixture
async def nation(db):
    return await _filled(db, NATION)


def _in_window(q: ClassQuery, c: ClassSession) -> bool:
    now_day, now_time = q.now.date(), q.now.strftime("%H:%M")
    if c.day < max(q.start or now_day, now_day) or c.day > q.until or (c.day == now_day and c.start <= now_time):
        return False
    return not (q.beyond and (c.day.isoformat(), c.start) <= q.beyond)


def _in_place(q: ClassQuery, c: ClassSession) -> bool:
    if q.municipalities:
        return c.municipality in q.municipalities
    return not q.prefecture or c.prefecture == q.prefecture


def _fits(q: ClassQuery, c: ClassSession) -> bool:
    """Every filter but time and place."""
    return not (
        (q.weekdays and c.day.weekday() not in q.weekdays)
        or (q.level and c.level != q.level)
        or (q.topic and q.topic not in c.topics)
        or (q.carrier and c.carrier != q.carrier)
        or (q.after and c.start < q.after)
        or (q.before and c.start >= q.before)
    )


def expected(q: ClassQuery) -> list[ClassSession]:
    """The same search written plainly over the list, soonest first."""
    out = [c for c in NATION if _in_window(q, c) and _in_place(q, c) and _fits(q, c)]
    return sorted(out, key=lambda c: (c.day, c.start, c.venue))


FILTERS = [
    {},
    {"level": "活用"},
    {"carrier": "au"},
    {"level": "入門", "carrier": "docomo"},
    {"topic": "mynumber"},
    {"topic": "typing", "level": "活用"},
    {"topic": "mynumber", "carrier": "docomo"},
    {"weekdays": frozenset({5})},
    {"after": "12:00"},
    {"before": "12:00", "weekdays": frozenset({5, 6}), "level": "入門"},
    {"start": TODAY + timedelta(days=3)},
    {"beyond": ("2026-11-27", "10:30")},
    {"carrier": "rakuten"},
    {"topic": "typing", "carrier": "au"},
]
PLACES = [
    {"prefecture": "山口県"},
    {"prefecture": "福岡県"},
    {"municipalities": ("宇部市",)},
    {"municipalities": ("防府市", "福岡市")},
    {},
]


@pytest.mark.parametrize("place", PLACES, ids=str)
async def test_every_filter_gives_what_a_plain_reading_gives(nation, clock, place):
    for filters in FILTERS:
        q = query(clock, limit=4, until=TODAY + timedelta(days=10), **place, **filters)
        want = expected(q)
        found, total = await nation.search(q)
        assert [c.natural_key for c in found] == [c.natural_key for c in want[:4]], filters
        assert total == len(want), filters


async def test_the_whole_prefecture_is_that_prefecture_only(nation, clock):
    found, total = await nation.search(query(clock, prefecture="福岡県", limit=200))
    assert found and {c.prefecture for c in found} == {"福岡県"}
    assert total == len(expected(query(clock, prefecture="福岡県")))


async def test_a_search_reads_index_ranges_only(nation, clock):
    from bot.store.classes import _plan

    for filters in FILTERS:
        for place in PLACES[:4]:
            sql, args = _plan(query(clock, **place, **filters)).listing(3)
            plan = await plan_of(nation.db, sql, args)
            if nation.db.kind == "sqlite":
                assert "SCAN" not in re.sub(r"SCAN ranged_\d", "", plan), (filters, plan)  # a range's rows, merged
            else:
                assert "Seq Scan" not in plan and "Index" in plan, (filters, plan)


async def plan_of(db, sql: str, args: list) -> str:
    """The query plan: SQLite's; PostgreSQL's with sequential scans priced out, so a scan in
    it means no index serves the search (a table this small would be scanned otherwise)."""
    if db.kind == "sqlite":
        return " ".join(r[3] for r in db.read("EXPLAIN QUERY PLAN " + sql, args))
    await db.conn.execute("SET LOCAL enable_seqscan = off")
    try:
        return " ".join(r[0] for r in await db.conn.execute_fetchall("EXPLAIN " + sql, args))
    finally:
        await db.conn.rollback()


async def test_first_match_tells_which_relaxed_search_has_classes(nation, clock):
    strict = query(clock, prefecture="山口県", carrier="rakuten")
    relaxed = query(clock, prefecture="山口県")
    which, found, total = await nation.first_match([strict, relaxed])
    assert which == 1 and len(found) == 3 and total == len(expected(relaxed))
    assert await nation.first_match([strict]) == (-1, [], 0)


async def test_topics_follow_updates_and_removals(nation, clock):
    q = query(clock, prefecture="福岡県", topic="typing", limit=500)
    found, _ = await nation.search(q)
    before = len(found)
    await nation.upsert_many([dataclasses.replace(c, topics=("mynumber",), id=None) for c in found[:5]])
    assert len((await nation.search(q))[0]) == before - 5
    await nation.db.conn.execute("DELETE FROM classes WHERE prefecture = '福岡県'")
    await nation.db.conn.commit()
    assert await nation.search(q) == ([], 0)
