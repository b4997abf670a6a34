"""A class's day and hours as residents read them: 「12月6日（土）」 or "Sat 6 Dec", 「10:30～11:30」.

Lives here: ``day_label`` and ``time_range``, the one place that formats them for the class
listing, the reminders, the digest broadcast and the newsletter. The words are the
``weekdays``, ``day_label`` and ``time_range`` texts of ``knowledge/texts.yaml``; pure.
"""

from __future__ import annotations

from datetime import date

from bot.data.knowledge import Knowledge


def day_label(day: date, lang: str, knowledge: Knowledge) -> str:
    """「12月6日（土）」 in Japanese, "Sat 6 Dec" in English (``lang`` ``"en"``)."""
    weekday = knowledge.text("weekdays", lang).split()[day.weekday()]
    return knowledge.text("day_label", lang, weekday=weekday, day=day.day, month=day.month, month_abbr=f"{day:%b}")


def time_range(start: str, end: str | None, lang: str, knowledge: Knowledge) -> str:
    """「10:30～11:30」 ("10:30–11:30" in English); 「10:30～」 when the end is not known."""
    return knowledge.text("time_range", lang, start=start, end=end or "")
