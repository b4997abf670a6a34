"""Dates residents mention: 今日, 明日, 明後日, 今週, 来週, 今月, 来月, 土曜, 週末, 平日, 12月5日, 12/5,
12月 and its parts (12月の頭, 来月の中旬, 今月末), 年明け, 今度の日曜 — and spans with days
combined (来週の土曜, 12月の下旬の土日) — and the part of the day (午前, 午後, 夕方: 「午後のはある？」,
「明日の午前中」), which limits the classes' start time — and 「もっと先は？」, the classes after
those last listed.

``parse_when`` turns them into a ``DateFilter`` relative to a given day (Asia/Tokyo
is the caller's business). English (today, tomorrow, next week, saturday) too. The filter
says what the resident named as data (a period, days of the week, a part of the day); the
reply's language says it back (``bot.languages.wording``). The words are those of
``knowledge/dates.yaml`` (a ``DateWordFile``: the caller's, else the configured knowledge's),
the particles after which a kana word starts those of ``knowledge/particles.yaml``. Pure
functions of the text and those words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from bot.data import vocabulary
from bot.data.words_schema import PERIODS, DateWordFile
from bot.understanding.normalize import fold

__all__ = ["PERIODS", "DateFilter", "parse_when"]


@dataclass(frozen=True)
class DateFilter:
    """Classes from ``start`` to ``end`` inclusive, optionally only on ``weekdays``
    (0 = Monday). What the resident named, for the reply to say back: ``period`` (one of
    ``PERIODS``; ``date`` with ``month`` and ``day``, ``month`` with ``month``), the part of
    that month (``month_part``: early, mid, late), a word for the days (``days_word``: weekend,
    weekdays), ``coming`` (「今度の日曜」) and ``part_of_day`` (morning, afternoon, evening)."""

    start: date
    end: date
    weekdays: frozenset[int] = frozenset()
    period: str | None = None
    month: int | None = None
    day: int | None = None
    month_part: str | None = None
    days_word: str | None = None
    coming: bool = False
    part_of_day: str | None = None
    after: str | None = None  # only classes starting at this "HH:MM" or later (午後)
    before: str | None = None  # only classes starting before this "HH:MM" (午前)
    later: bool = False  # 「もっと先は？」: after the classes last listed (the caller knows which)

    def matches(self, day: date) -> bool:
        return self.start <= day <= self.end and (not self.weekdays or day.weekday() in self.weekdays)


def _week_bounds(today: date, offset_weeks: int) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset_weeks)
    return max(monday, today), monday + timedelta(days=6)


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


def _said(words: list[str] | tuple[str, ...], low: str, reading: str, before_word: frozenset[str]) -> bool:
    """Whether one of ``words`` is in the message: as written (``low``), or in the kana
    ``reading`` where a kana word must start a word — after the start, a non-kana
    character or a particle — so that 勉強 (べんきょう), 東京 (とうきょう) and 協会 do not
    say きょう (today) by containing its kana. ``before_word`` are the particles of
    ``particles.yaml`` (``before_date_word``)."""
    for w in words:
        if w in low:
            return True
        if not _HIRAGANA.match(w):
            continue
        start = reading.find(w)
        while start >= 0:
            before = reading[start - 1] if start else ""
            if not before or not _HIRAGANA.match(before) or before in before_word:
                return True
            start = reading.find(w, start + 1)
    return False


# 「12月」 but not 「3か月」「12月5日」 (an explicit date is read first).
_MONTH_RE = re.compile(r"(?<![\dかヶケカ])(\d{1,2})\s*月(?![\d曜])")
# 「今度の日曜」「次の土曜」: the coming one only, not every one in four weeks.
_COMING_RE = re.compile(
    r"(?:今度|こんど|次|つぎ)の?\s*[月火水木金土日](?:曜|よう)|"
    r"(?:こんど|つぎ)の?(?:げつ|か|すい|もく|きん|ど|にち)ようび|"
    r"\b(?:this|coming|this coming) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)


def _month_en_pattern(name: str) -> str:
    """An English month name; "may" and "march" are words too ("May I book?"), so only
    after a word that makes them a time ("in May", "early March")."""
    if name in ("may", "march"):
        return rf"\b(?:in|early|mid|late|of|until|from)\s+{name}\b"
    return rf"\b{name}\b"


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    """A pattern built from the date words, compiled once (every message tries them all)."""
    return re.compile(pattern)


def _part_pattern(word: str) -> str:
    """A part-of-month word as said on its own: English as a whole word, はじめ not in
    はじめて (for the first time), 末 not in 週末 (the weekend)."""
    if word.isascii():
        return rf"\b{word}\b"
    return {"末": r"(?<!週)末", "はじめ": r"はじめ(?!て)", "初め": r"初め(?!て)"}.get(word, re.escape(word))


def _month_range(
    today: date, year: int, month: int, text: str, said: str, period: DateFilter, words: DateWordFile
) -> DateFilter:
    """The month (or the part of it the text names after ``said``: 頭・中旬・末) from today on."""
    first = date(year, month, 1)
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    after = text[text.find(said) :] if said in text else text
    for part in words.month_parts:
        if any(_pattern(_part_pattern(w)).search(after) for w in part.words):
            start, end = first.replace(day=part.first), last if part.last is None else first.replace(day=part.last)
            return replace(period, start=max(start, today), end=end, month_part=part.part)
    return replace(period, start=max(first, today), end=last)


def _period(
    cleaned: str, low: str, reading: str, today: date, words: DateWordFile, before: frozenset[str]
) -> DateFilter | None:
    """A span the message names: a week (来週), a month (来月, 12月, 12月の頭), or the
    new year (年明け); None when it names none."""
    for week in words.weeks:
        if _said(week.words, low, reading, before):
            start, end = _week_bounds(today, week.offset)
            return DateFilter(start, end, period=week.period)
    for span in words.months:
        if _said(span.words, low, reading, before):
            month = today.month + span.offset
            year = today.year + (month > 12)
            month = (month - 1) % 12 + 1
            period = DateFilter(today, today, period=span.period)
            return _month_range(today, year, month, low, span.words[0], period, words)
    m = _MONTH_RE.search(cleaned)
    named = int(m.group(1)) if m and 1 <= int(m.group(1)) <= 12 else None
    if named is None:
        months = words.months_en
        named = next((i + 1 for i, name in enumerate(months) if _pattern(_month_en_pattern(name)).search(low)), None)
    if named is not None:
        year = today.year + (named < today.month)
        period = DateFilter(today, today, period="month", month=named)
        return _month_range(today, year, named, low, f"{named}月", period, words)
    if _said(words.new_year, low, reading, before):
        year = today.year + (today.month >= 10)
        return DateFilter(max(date(year, 1, 1), today), date(year, 1, 15), period="new_year")
    return None


def parse_when(
    cleaned: str, reading: str, today: date, horizon_days: int = 28, words: DateWordFile | None = None
) -> DateFilter | None:
    """The days (``_days``) and the part of the day in the message, as one filter, or None.
    A part of the day alone (「午後のはある？」) covers the next ``horizon_days``."""
    words = words or vocabulary.date_words()
    before = frozenset(vocabulary.particles().before_date_word)
    low = cleaned.lower()
    days = _days(cleaned, reading, today, horizon_days, words, before)
    if days is None and _said(words.later, low, reading, before):
        days = DateFilter(today, today + timedelta(days=horizon_days), period="later", later=True)
    part = next((p for p in words.parts_of_day if _said(p.words, low, reading, before)), None)
    if part is None:
        return days
    if days is None:
        days = DateFilter(today, today + timedelta(days=horizon_days))
    return replace(days, part_of_day=part.part, after=part.after, before=part.before)


def _days(
    cleaned: str, reading: str, today: date, horizon_days: int, words: DateWordFile, before: frozenset[str]
) -> DateFilter | None:
    """A date filter for the date phrases in the message, or None.

    ``cleaned`` is the NFKC text (digits and kanji kept), ``reading`` its folded
    kana reading (so あした and 明日 both work). A day (明日, 12月5日) stands alone; a
    span (来週, 12月の頭, 年明け) and days of the week (土曜, 週末, 平日) combine, so
    「来週の土曜」 is one Saturday, not the whole week, and 「今度の日曜」 the coming
    Sunday, not every Sunday of the next four weeks."""
    low = cleaned.lower()
    # The kana reading squeezes out the writer's spaces; where they typed words apart in kana
    # (「すまほ きょうしつ しゅうなん らいしゅう」), a word after a space starts a word too.
    if " " in low:
        reading = reading + " " + fold(cleaned)
    far = today + timedelta(days=horizon_days)
    explicit = _explicit_date(cleaned, today)
    if explicit:
        return DateFilter(explicit, explicit, period="date", month=explicit.month, day=explicit.day)
    for one in words.days:
        if _said(one.words, low, reading, before):
            if one.period == "today" and ("きようしつ" in reading and "今日" not in low and "本日" not in low):
                continue  # きょうしつ (教室) is not きょう (today)
            day = today + timedelta(days=one.offset)
            return DateFilter(day, day, period=one.period)
    span = _period(cleaned, low, reading, today, words, before)
    days: set[int] = set()
    days_word = None
    if _said(words.weekend, low, reading, before):
        days, days_word = {5, 6}, "weekend"
    elif _said(words.weekdays, low, reading, before):
        days, days_word = {0, 1, 2, 3, 4}, "weekdays"
    else:
        for i, (kanji, kana, english) in enumerate(zip(words.weekday_kanji, words.weekday_kana, words.weekday_en)):
            if _pattern(kanji + "曜").search(cleaned) or kana in reading or english in low:
                days.add(i)
    if span:
        return replace(span, weekdays=frozenset(days), days_word=days_word)
    if days:
        if len(days) == 1 and _COMING_RE.search(low):
            return DateFilter(today, today + timedelta(days=6), frozenset(days), coming=True)
        return DateFilter(today, far, frozenset(days), days_word=days_word)
    return None
