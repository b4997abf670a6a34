"""Sample classes for ``--demo``: the next four weeks at every shop that holds classes.

Modelled on the seed's docomo schedule (資料5「講座スケジュール（一例）」): its levels,
titles, start times and five seats a class. Every session is marked ``sample`` and
the bot says so when it shows one. Deterministic for a given day and listing.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from bot.classes.model import ClassSession
from bot.classes.topics import TopicTagger
from bot.data.schema import Shop
from bot.data.shops import ShopDirectory

# (level, title) as in the seed's example schedule.
SEED_COURSES: tuple[tuple[str, str], ...] = (
    ("入門", "はじめてのスマートフォン"),
    ("体験", "スマートフォンを触ってみよう"),
    ("基本", "スマホを購入したら知っておきたい5つのこと"),
    ("活用", "スマートフォンでマイナンバーカードの申請をしよう"),
    ("入門", "スマートフォンで文字入力をマスターしよう"),
    ("応用", "スマートフォンで災害に備えよう"),
    ("入門", "あんしん・安全にスマホを使おう"),
    ("体験", "らくらくスマートフォンを触ってみよう"),
    ("入門", "はじめてのらくらくスマートフォン"),
    ("入門", "らくらくスマートフォンで文字入力をマスターしよう"),
)
SEED_STARTS = ("10:30", "13:00", "15:00", "17:00")
CAPACITY = 5
BRING = {"活用": "ご自分のスマートフォン、マイナンバーカード"}


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def sample_session(
    shop: Shop, prefecture: str, day: date, start: str, level: str, title: str, topics: tuple[str, ...], seats: int
) -> ClassSession:
    """One sample class of an hour at a shop, as the seed's schedule shows them."""
    hour, minute = map(int, start.split(":"))
    return ClassSession(
        prefecture=prefecture,
        municipality=shop.municipality,
        venue=shop.name,
        phone=shop.phone,
        address=shop.address,
        shop_id=shop.id,
        carrier=shop.carrier,
        day=day,
        start=start,
        end=f"{hour + 1:02d}:{minute:02d}",
        level=level,
        title=title,
        topics=topics,
        capacity=CAPACITY,
        seats_left=seats,
        booking_required=True,
        bring=BRING.get(level),
        sample=True,
    )


def demo_classes(
    shops: ShopDirectory, tagger: TopicTagger, today: date, prefecture: str, days: int = 28
) -> list[ClassSession]:
    """Two or three class days a week per shop, four classes a day."""
    sessions: list[ClassSession] = []
    for shop in shops.listing.shops:
        if shop.kind != "shop" or not shop.holds_classes:
            continue
        offset = _stable(shop.id)
        rng = random.Random(offset ^ today.toordinal())
        course_index = offset % len(SEED_COURSES)
        for n in range(days):
            day = today + timedelta(days=n)
            if (day.toordinal() + offset) % 3 != 0 and n != 0:
                continue
            for start in SEED_STARTS:
                level, title = SEED_COURSES[course_index % len(SEED_COURSES)]
                course_index += 1
                sessions.append(
                    sample_session(
                        shop, prefecture, day, start, level, title, tagger.tags(title), rng.randint(0, CAPACITY)
                    )
                )
    return sessions
