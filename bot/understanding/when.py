"""Dates residents mention: 今日, 明日, 明後日, 今週, 来週, 今月, 来月, 土曜, 週末, 12月5日, 12/5.

``parse_when`` turns them into a ``DateFilter`` relative to a given day (Asia/Tokyo
is the caller's business). English (today, tomorrow, next week, saturday) too.
Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# with び: かよう alone is also 通う
_WEEKDAY_KANA = ("げつようび", "かようび", "すいようび", "もくようび", "きんようび", "どようび", "にちようび")


@dataclass(frozen=True)
class DateFilter:
    """Classes from ``start`` to ``end`` inclusive, optionally only on ``weekdays``
    (0 = Monday); ``label`` is the phrase the resident used, for the reply."""

    start: date
    end: date
    weekdays: frozenset[int] = frozenset()
    label: str = ""

    def matches(self, day: date) -> bool:
        return self.start <= day <= self.end and (not self.weekdays or day.weekday() in self.weekdays)


def _week_bounds(today: date, offset_weeks: int) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset_weeks)
    return max(monday, today), monday + timedelta(days=6)


def _month_bounds(today: date, offset: int) -> tuple[date, date]:
    year, month = today.year, today.month + offset
    if month > 12:
        year, month = year + 1, month - 12
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return max(first, today), nxt - timedelta(days=1)


def _explicit_date(text: str, today: date) -> date | None:
    m = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日", text) or re.search(
        r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", text
    )
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today - timedelta(days=1):
            return candidate
    return None


_HIRAGANA = re.compile(r"[\u3040-\u309f]")
# Particles (and the endings of ですか・ますね) after which a new word starts in kana.
_BEFORE_WORD = set("はがをにでのもとへやねよかなぞ")


def _said(words: tuple[str, ...], low: str, reading: str) -> bool:
    """Whether one of ``words`` is in the message: as written (``low``), or in the kana
    ``reading`` where a kana word must start a word — after the start, a non-kana
    character or a particle — so that 勉強 (べんきょう), 東京 (とうきょう) and 協会 do not
    say きょう (today) by containing its kana."""
    for w in words:
        if w in low:
            return True
        if not _HIRAGANA.match(w):
            continue
        start = reading.find(w)
        while start >= 0:
            before = reading[start - 1] if start else ""
            if not before or not _HIRAGANA.match(before) or before in _BEFORE_WORD:
                return True
            start = reading.find(w, start + 1)
    return False


def parse_when(cleaned: str, reading: str, today: date, horizon_days: int = 28) -> DateFilter | None:
    """A date filter for the first date phrase in the message, or None.

    ``cleaned`` is the NFKC text (digits and kanji kept), ``reading`` its folded
    kana reading (so あした and 明日 both work)."""
    low = cleaned.lower()
    far = today + timedelta(days=horizon_days)
    explicit = _explicit_date(cleaned, today)
    if explicit:
        return DateFilter(explicit, explicit, label=f"{explicit.month}/{explicit.day}")
    simple = (
        (("明後日", "あさって", "day after tomorrow"), 2, "明後日"),
        (("明日", "あした", "あす", "tomorrow"), 1, "明日"),
        (("今日", "きよう", "本日", "today"), 0, "今日"),
    )
    for words, offset, label in simple:
        if _said(words, low, reading):
            if label == "今日" and ("きようしつ" in reading and "今日" not in low and "本日" not in low):
                continue  # きょうしつ (教室) is not きょう (today)
            day = today + timedelta(days=offset)
            return DateFilter(day, day, label=label)
    weekly = (
        (("再来週", "さらいしゆう", "week after next"), 2, "再来週"),
        (("来週", "らいしゆう", "next week"), 1, "来週"),
        (("今週", "こんしゆう", "this week"), 0, "今週"),
    )
    for words, offset, label in weekly:
        if _said(words, low, reading):
            start, end = _week_bounds(today, offset)
            return DateFilter(start, end, label=label)
    monthly = ((("来月", "らいげつ", "next month"), 1, "来月"), (("今月", "こんげつ", "this month"), 0, "今月"))
    for words, offset, label in monthly:
        if _said(words, low, reading):
            start, end = _month_bounds(today, offset)
            return DateFilter(start, end, label=label)
    if _said(("週末", "しゆうまつ", "土日", "どにち", "weekend"), low, reading):
        return DateFilter(today, far, frozenset({5, 6}), label="土日")
    days = set()
    for i, ch in enumerate(WEEKDAYS_JA):
        if re.search(ch + r"曜", cleaned) or _WEEKDAY_KANA[i] in reading or WEEKDAYS_EN[i] in low:
            days.add(i)
    if days:
        label = "・".join(WEEKDAYS_JA[d] + "曜" for d in sorted(days))
        return DateFilter(today, far, frozenset(days), label=label)
    return None
