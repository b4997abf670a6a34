"""Class reminders: when they fall due, and delivering them through the channels' senders.

Lives here: ``due_at`` (the day before the class at ``REMIND_AT``, Asia/Tokyo),
``reminder_text`` (its words are the ``reminder.*`` texts of ``knowledge/texts.yaml``, the
class's day and hours come from ``bot.classes.days``; this module only picks the lines and
fills in the class) and ``ReminderDispatcher.run_due``.

A reminder is kept in the database (``ReminderStore``), so it survives restarts. When
due, it is claimed (``sending``, committed before the message goes out) and sent with
the class as it is *now* (a changed room or phone shows). It is not sent when the class
was removed (the removal already cancelled it), when the class has begun (``expired``),
or when the resident blocked the bot. Outside ``QUIET_BEFORE``–``QUIET_FROM`` — a bot
that was down overnight — it waits for the morning instead of waking anyone, and expires
if the class would begin first. Passing troubles are retried with a backoff. Reads the
class, the resident's language and the texts of the ``Knowledge`` it is given (without one,
``default_knowledge()``); writes only reminder rows and the blocked flag.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta

from bot.broadcast.engine import Backoff
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.sender import Result, Sender, Status, limits_of
from bot.classes.days import day_label, time_range
from bot.classes.model import ClassSession
from bot.clock import TOKYO, SystemClock
from bot.data.knowledge import Knowledge, default_knowledge
from bot.store.bundle import Stores
from bot.store.reminders import Reminder

log = logging.getLogger(__name__)

REMIND_AT = time(10, 0)  # the day before, mid-morning: read in daylight, time left to book or call
QUIET_BEFORE = 8  # no reminder before 8:00 …
QUIET_FROM = 21  # … or from 21:00 (Asia/Tokyo)
MAX_ATTEMPTS = 5


def class_start(c: ClassSession) -> datetime:
    hour, minute = (int(x) for x in c.start.split(":"))
    return datetime.combine(c.day, time(hour, minute), tzinfo=TOKYO)


def due_at(c: ClassSession) -> datetime:
    """When a reminder of ``c`` goes out: the day before at ``REMIND_AT``, Asia/Tokyo."""
    return datetime.combine(c.day - timedelta(days=1), REMIND_AT, tzinfo=TOKYO)


def reminder_text(knowledge: Knowledge, c: ClassSession, lang: str = "ja") -> str:
    """The message a resident gets the day before ``c``, in ``lang`` (Japanese unless ``en``)."""

    def t(key: str, **values: object) -> str:
        return knowledge.text(key, lang, **values)

    lines = [
        t("reminder.head", date=day_label(c.day, lang, knowledge), time=time_range(c.start, c.end, lang, knowledge)),
        t("reminder.class", level=c.level, title=c.title),
        t("reminder.venue", venue=c.venue, address=c.address),
        t("reminder.phone", phone=c.phone),
    ]
    if c.bring:
        lines.append(t("reminder.bring", bring=c.bring))
    if c.booking_required:
        lines.append(t("reminder.booking"))
    lines.append(t("reminder.free"))
    return "\n".join(lines)


def _next_morning(now: datetime) -> datetime:
    local = now.astimezone(TOKYO)
    day = local.date() if local.hour < QUIET_BEFORE else local.date() + timedelta(days=1)
    return datetime.combine(day, time(QUIET_BEFORE, 0), tzinfo=TOKYO)


class ReminderDispatcher:
    def __init__(
        self,
        stores: Stores,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime] | None = None,
        limiter_for: Callable[[str], RateLimiter] | None = None,
        backoff: Backoff | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        knowledge: Knowledge | None = None,
    ):
        self._knowledge = knowledge  # None: ``default_knowledge()``, loaded at the first reminder
        self.store = stores.reminders
        self.schedule = stores.schedule
        self.residents = stores.residents
        self.conversations = stores.conversations  # the engine's: states it has not written yet too
        self.senders = dict(senders)
        self.clock = clock or SystemClock()
        self._limiters: dict[str, RateLimiter] = {}
        self.limiter_for = limiter_for or self._own_limiter
        self.backoff = backoff or Backoff(base=60.0, cap=3600.0)
        self.max_attempts = max_attempts
        self._recovered = False

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = default_knowledge()
        return self._knowledge

    def _own_limiter(self, channel: str) -> RateLimiter:
        if channel not in self._limiters:
            _, rate, per_key, _ = limits_of(self.senders[channel])
            self._limiters[channel] = RateLimiter(rate, per_key=per_key)
        return self._limiters[channel]

    async def _lang(self, user_key: str) -> str:
        state = await self.conversations.load(user_key)
        return "en" if state.get("lang") == "en" else "ja"

    async def run_due(self, limit: int = 500) -> dict[str, int]:
        """Send every reminder due now (of the channels this process can send on); counts."""
        if not self._recovered:  # the first pass after a start: a crash may have left some ``sending``
            await self.store.recover()
            self._recovered = True
        counts: dict[str, int] = {}
        now = self.clock()
        for r in await self.store.claim_due(now, list(self.senders), limit):
            status = await self._one(r, now)
            counts[status] = counts.get(status, 0) + 1
        return counts

    async def _one(self, r: Reminder, now: datetime) -> str:
        c = await self.schedule.get(r.class_id)
        if c is None:
            await self.store.finish(r.id, "cancelled", "class removed")
            return "cancelled"
        start = class_start(c)
        if now >= start:
            await self.store.finish(r.id, "expired", "the class began before the reminder could go")
            return "expired"
        local = now.astimezone(TOKYO)
        if not QUIET_BEFORE <= local.hour < QUIET_FROM:
            morning = _next_morning(now)
            if morning >= start:
                await self.store.finish(r.id, "expired", "no sensible hour left before the class")
                return "expired"
            await self.store.finish(r.id, "pending", "waiting for the morning", retry_at=morning)
            return "waiting"
        if await self.residents.is_blocked(r.user_key):
            await self.store.finish(r.id, "cancelled", "the resident blocked the bot")
            return "cancelled"
        channel = r.user_key.partition(":")[0]
        sender = self.senders[channel]
        await self.limiter_for(channel).acquire([r.user_key])
        try:
            text = reminder_text(self.knowledge, c, await self._lang(r.user_key))
            answer = await sender.send([r.user_key], text, key=f"madoguchi-reminder-{r.id}")
            result = answer.get(r.user_key) or Result.retry("the sender gave no answer")
        except Exception as exc:  # noqa: BLE001
            result = Result.retry(f"{type(exc).__name__}: {exc}"[:300])
        if result.status is Status.SENT:
            await self.store.finish(r.id, "sent")
            return "sent"
        if result.status is Status.BLOCKED:
            await self.residents.set_blocked(r.user_key, True)
            await self.store.finish(r.id, "cancelled", result.error or "blocked")
            return "blocked"
        if result.status is Status.FAILED or r.attempts >= self.max_attempts:
            await self.store.finish(r.id, "failed", result.error)
            return "failed"
        delay = result.retry_after if result.retry_after is not None else self.backoff.delay(r.attempts)
        await self.store.finish(r.id, "pending", result.error, retry_at=now + timedelta(seconds=delay))
        return "retry"
