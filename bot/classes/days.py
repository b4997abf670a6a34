"""A class's day and hours as residents read them: 「12月6日（土）」 or "Sat 6 Dec", 「10:30～11:30」.

Lives here: ``day_label`` and ``time_range`` for the reminders, the digest broadcast and the
newsletter, which have a language code and no turn: both are the language's ``Wording``
(``bot.languages.wording``), whose words are the ``weekdays``, ``day_label`` and
``time_range`` texts of ``knowledge/texts.yaml``; pure.
"""

from __future__ import annotations

from datetime import date

from bot.data.knowledge import Knowledge
from bot.languages.wording import Wording


def day_label(day: date, lang: str, knowledge: Knowledge) -> str:
    """「12月6日（土）」 in Japanese, "Sat 6 Dec" in English."""
    return Wording(knowledge, lang).day(day)


def time_range(start: str, end: str | None, lang: str, knowledge: Knowledge) -> str:
    """「10:30～11:30」 ("10:30–11:30" in English); 「10:30～」 when the end is not known."""
    return Wording(knowledge, lang).time_range(start, end)
