"""The console's summaries: subscribers per municipality and channel (counted over key
ranges, blocked residents subtracted) agree with the plain query; the class page and its
capped count."""

from __future__ import annotations

import random
from datetime import date

from bot.store.overview import COUNT_CAP, Overview
from bot.store.residents import ResidentStore


async def test_subscribers_agree_with_the_plain_query(db):
    rng = random.Random(3)
    residents = ResidentStore(db)
    cities = ["宇部市", "山口市", "下関市"]
    for i in range(300):
        channel = rng.choice(["line", "telegram", "console", "web", "line2"])
        await residents.subscribe(f"{channel}:u{i}", rng.choice(cities))
        if i % 7 == 0:
            await residents.set_blocked(f"{channel}:u{i}", True)
    await db.conn.execute(
        "INSERT INTO subscriptions (user_key, municipality, created_at) VALUES ('nocolon', '宇部市', 'x')"
    )
    await db.conn.commit()
    plain: dict = {}
    for city, channel, n in await db.conn.execute_fetchall(
        "SELECT s.municipality, substr(s.user_key, 1, instr(s.user_key, ':') - 1), COUNT(*) FROM subscriptions s "
        "LEFT JOIN residents r ON r.user_key = s.user_key WHERE COALESCE(r.blocked, 0) = 0 AND instr(s.user_key, ':') > 1 "
        "GROUP BY 1, 2"
    ):
        plain.setdefault(city, {})[channel] = n
    overview = Overview(db)
    assert await overview.subscribers(None) == plain
    assert await overview.subscribers(["山口市"]) == {"山口市": plain["山口市"]}
    assert await overview.subscribers([]) == {}
    assert sorted(await overview.channels()) == ["console", "line", "line2", "telegram", "web"]


async def test_the_class_page_counts_up_to_the_cap(db):
    from bot.classes.model import ClassSession
    from bot.store.classes import ClassStore

    sessions = [
        ClassSession(
            "山口県",
            "宇部市",
            f"会場{i % 7}",
            "0836-21-1234",
            "宇部市",
            date(2026, 12, 1 + i % 28),
            "10:00",
            "入門",
            f"講座{i}",
        )
        for i in range(COUNT_CAP + 50)
    ]
    await ClassStore(db).upsert_many(sessions)
    overview = Overview(db)
    page = await overview.classes(["宇部市"], month="2026-12", limit=10)
    assert len(page.classes) == 10 and page.capped
    few = await overview.classes(["宇部市"], text="講座12", month="2026-12", limit=50)
    assert not few.capped and few.total == len([s for s in sessions if "講座12" in s.title])
    assert (await overview.classes([], month="2026-12")).total == 0
