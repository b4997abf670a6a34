"""Class reminders, the resident's side: "remind me the day before" and "cancel it".

Lives here: ``remind_buttons`` (one button per listed class that can still be reminded
of, for the class listing) and ``remind`` (the ``remind:<class id>`` and
``remind:cancel:<class id>`` postbacks). The reminder itself is kept in the database
and sent by ``bot.broadcast.reminders`` the day before at 10:00 (Asia/Tokyo). The class's
day is ``bot.classes.days.day_label``; the other words are kept here (ja/en) until they
move to ``knowledge/texts.yaml``.
"""

from __future__ import annotations

from bot.broadcast.reminders import REMIND_AT, class_start, due_at
from bot.classes.days import day_label
from bot.classes.model import ClassSession
from bot.dialogue.turn import Turn
from bot.messages import Button, Reply
from bot.store.reminders import ReminderStore
from bot.store.schedule import ScheduleStore

MAX_BUTTONS = 3
TEXTS = {
    "button": {"ja": "🔔 {date} {start} を前日にお知らせ", "en": "🔔 Remind me of {date} {start}"},
    "set": {
        "ja": "{date} {start}〜の「{title}」（{venue}）を、前日 {before} の{hour}時ごろにお知らせします。",
        "en": "I will remind you of “{title}” ({venue}, {date} {start}) on {before} around {hour}:00.",
    },
    "already": {"ja": "この講座のお知らせは、もう設定されています（前日 {before} の{hour}時ごろ）。",
                "en": "You already have a reminder for this class ({before}, around {hour}:00)."},
    "too_late": {"ja": "この講座はもうすぐ始まるため、前日のお知らせには間に合いません。\n{when}「{title}」\n会場：{venue}\n電話：{phone}",
                 "en": "This class is too soon for a reminder the day before.\n{when} “{title}”\nVenue: {venue}\nPhone: {phone}"},
    "gone": {"ja": "その講座は見つかりません。中止になったか、日程が変わった可能性があります。",
             "en": "I cannot find that class. It may have been cancelled or moved."},
    "cancelled": {"ja": "お知らせを取り消しました。", "en": "The reminder is cancelled."},
    "not_set": {"ja": "取り消すお知らせはありません。", "en": "There was no reminder to cancel."},
    "cancel_button": {"ja": "お知らせを取り消す", "en": "Cancel the reminder"},
}  # fmt: skip


def _t(turn: Turn, key: str, **values: object) -> str:
    return TEXTS[key]["en" if turn.lang == "en" else "ja"].format(**values)


def _date(turn: Turn, c: ClassSession) -> str:
    if turn.lang == "en":
        return f"{c.day.day} {c.day:%b}"
    return f"{c.day.month}/{c.day.day}"


def remind_buttons(turn: Turn, classes: list[ClassSession]) -> list[Button]:
    """A reminder button for each listed class whose reminder time is still ahead."""
    return [
        Button(_t(turn, "button", date=_date(turn, c), start=c.start), f"remind:{c.id}")
        for c in classes
        if c.id is not None and due_at(c) > turn.now
    ][:MAX_BUTTONS]


async def remind(turn: Turn, arg: str) -> list[Reply] | None:
    """Answer ``remind:<id>`` / ``remind:cancel:<id>``; None when ``arg`` is not one."""
    cancel = arg.startswith("cancel:")
    number = arg.partition(":")[2] if cancel else arg
    if not number.isdigit():
        return None
    db = turn.services.classes.db
    store = ReminderStore(db)
    menu = turn.button("button.menu", "menu")
    if cancel:
        done = await store.cancel(turn.user, int(number))
        return [Reply(_t(turn, "cancelled" if done else "not_set"), buttons=[menu])]
    c = await ScheduleStore(db).get(int(number))
    if c is None or class_start(c) <= turn.now:
        return [Reply(_t(turn, "gone"), buttons=[turn.button("button.classes", "intent:classes"), menu])]
    when = due_at(c)
    day = day_label(c.day, turn.lang, turn.knowledge)
    values = dict(date=day, start=c.start, title=c.title, venue=c.venue,
                  before=day_label(when.date(), turn.lang, turn.knowledge), hour=REMIND_AT.hour)  # fmt: skip
    if when <= turn.now:
        text = _t(turn, "too_late", when=f"{day} {c.start}", title=c.title, venue=c.venue, phone=c.phone)
        return [Reply(text, links=[turn.call_link(c.venue, c.phone)], buttons=[menu])]
    new = await store.add(turn.user, c.id, when)
    cancel_button = Button(_t(turn, "cancel_button"), f"remind:cancel:{c.id}")
    return [Reply(_t(turn, "set" if new else "already", **values), buttons=[cancel_button, menu])]
