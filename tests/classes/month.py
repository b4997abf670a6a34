"""A month of classes for the word-for-word tests of the newsletter block and the digest
broadcast: three venues in two municipalities (a 市 and a 町), every day of the week, classes
with and without an end time, capacity, seats left, something to bring and booking."""

from __future__ import annotations

from datetime import date

from bot.classes.model import ClassSession

UBE = dict(
    prefecture="山口県",
    municipality="宇部市",
    venue="ドコモショップフジグラン宇部店",
    phone="0120-173-053",
    address="宇部市明神町3-1-1フジグラン宇部グランフジ1階",
)
AU = dict(
    prefecture="山口県",
    municipality="宇部市",
    venue="auショップ宇部常盤通り",
    phone="0800-700-2472",
    address="宇部市新天町2-4-5",
)
OSHIMA = dict(
    prefecture="山口県",
    municipality="周防大島町",
    venue="ソフトバンク大島",
    phone="0820-72-0000",
    address="周防大島町小松1",
)
MONTH = [
    ClassSession(**UBE, day=date(2026, 12, 1), start="9:00", end="10:30", level="入門", title="講座0"),
    ClassSession(
        **AU,
        day=date(2026, 12, 2),
        start="10:00",
        level="体験",
        title="講座1",
        capacity=6,
        seats_left=0,
        bring="マイナンバーカード",
        booking_required=False,
    ),
    ClassSession(
        **OSHIMA,
        day=date(2026, 12, 3),
        start="11:00",
        end="12:30",
        level="基本",
        title="講座2",
        capacity=7,
        seats_left=3,
    ),
    ClassSession(
        **UBE, day=date(2026, 12, 4), start="12:00", level="応用", title="講座3", capacity=8, booking_required=False
    ),
    ClassSession(
        **AU,
        day=date(2026, 12, 5),
        start="13:00",
        end="14:30",
        level="活用",
        title="講座4",
        seats_left=0,
        bring="マイナンバーカード",
    ),
    ClassSession(
        **OSHIMA,
        day=date(2026, 12, 6),
        start="14:00",
        level="入門",
        title="講座5",
        capacity=10,
        seats_left=3,
        booking_required=False,
    ),
    ClassSession(**UBE, day=date(2026, 12, 7), start="15:00", end="16:30", level="体験", title="講座6", capacity=11),
    ClassSession(
        **AU,
        day=date(2026, 12, 8),
        start="16:00",
        level="基本",
        title="講座7",
        capacity=12,
        seats_left=0,
        bring="マイナンバーカード",
        booking_required=False,
    ),
    ClassSession(
        **OSHIMA, day=date(2026, 12, 9), start="17:00", end="18:30", level="応用", title="講座8", seats_left=3
    ),
]
