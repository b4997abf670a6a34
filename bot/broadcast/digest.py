"""The digest broadcast: the upcoming classes of one municipality as one message.

Lives here: ``build_digest`` (reads the classes, None when there are none) and
``digest_text``. Only real classes from the given moment on (never a past or a sample
class), soonest first, at most ``limit`` of them with "and N more"; each with date,
time, level, title, venue, address and the phone to book; then the programme's
promises that matter for booking, and how to stop the news. The words are the
``digest.*`` texts of ``knowledge/texts.yaml`` in Japanese (the digest goes to every
subscriber in Japanese), the day and hours come from ``bot.classes.days``. Reads classes
through ``ScheduleStore``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.classes.days import day_label, time_range
from bot.classes.model import ClassSession
from bot.data.knowledge import Knowledge
from bot.store.schedule import ScheduleStore

LANG = "ja"  # one message for every subscriber of the municipality, in Japanese
DAYS = 14
LIMIT = 8
MAX_CHARS = 4000  # below Telegram's 4,096 and LINE's 5,000 characters per message


def _t(knowledge: Knowledge, key: str, **values: object) -> str:
    return knowledge.text(key, LANG, **values)


def _entry(k: Knowledge, c: ClassSession) -> str:
    when = _t(k, "digest.when", date=day_label(c.day, LANG, k), time=time_range(c.start, c.end, LANG, k), level=c.level)
    lines = [when, c.title, _t(k, "digest.venue", venue=c.venue, address=c.address)]
    if c.seats_left is not None:
        lines.append(_t(k, "digest.full") if c.seats_left == 0 else _t(k, "digest.seats_left", n=c.seats_left))
    if c.bring:
        lines.append(_t(k, "digest.bring", bring=c.bring))
    lines.append(_t(k, "digest.phone", phone=c.phone))
    return "\n".join(lines)


def digest_text(knowledge: Knowledge, municipality: str, classes: list[ClassSession], total: int, days: int) -> str:
    parts = [_t(knowledge, "digest.head", city=municipality, days=days)]
    for c in classes:
        entry = _entry(knowledge, c)
        if sum(len(p) + 2 for p in parts) + len(entry) > MAX_CHARS - 300:
            break
        parts.append(entry)
    shown = len(parts) - 1
    if total > shown:
        short = municipality.removesuffix("市").removesuffix("町")
        parts.append(_t(knowledge, "digest.more", more=total - shown, short=short))
    parts.append(_t(knowledge, "digest.foot"))
    return "\n\n".join(parts)


async def build_digest(
    schedule: ScheduleStore,
    knowledge: Knowledge,
    municipality: str,
    now: datetime,
    days: int = DAYS,
    limit: int = LIMIT,
    level: str | None = None,
    topic: str | None = None,
) -> str | None:
    """The digest of the classes from ``now`` on (only one level or topic when given); None when there are none."""
    classes, total = await schedule.upcoming(
        municipality, now, now.date() + timedelta(days=days), limit, level=level, topic=topic
    )
    if not classes:
        return None
    return digest_text(knowledge, municipality, classes, total, days)
