"""Class reminders, the resident's side: "remind me the day before" and "cancel it".

Lives here: ``remind_buttons`` (one button per listed class that can still be reminded
of, for the class listing) and ``remind`` (the ``remind:<class id>`` and
``remind:cancel:<class id>`` postbacks). The reminder itself is kept in the database
and sent by ``bot.broadcast.reminders`` the day before at 10:00 (Asia/Tokyo). The class's
day is ``bot.classes.days.day_label``; the words are the ``remind.*`` texts of
``knowledge/texts.yaml``.
"""

from __future__ import annotations

import re

from bot.broadcast.reminders import REMIND_AT, class_start, due_at
from bot.classes.days import day_label
from bot.classes.model import ClassSession
from bot.dialogue.actions import Action
from bot.dialogue.turn import Turn
from bot.messages import Button, Reply

MAX_BUTTONS = 3
CLASS_ID = re.compile(r"[0-9]{1,18}")


def _date(turn: Turn, c: ClassSession) -> str:
    if turn.lang == "en":
        return f"{c.day.day} {c.day:%b}"
    return f"{c.day.month}/{c.day.day}"


def remind_buttons(turn: Turn, classes: list[ClassSession]) -> list[Button]:
    """A reminder button for each listed class whose reminder time is still ahead."""
    return [
        Button(turn.t("remind.button", date=_date(turn, c), start=c.start), Action("remind", str(c.id)).encode())
        for c in classes
        if c.id is not None and due_at(c) > turn.now
    ][:MAX_BUTTONS]


async def remind(turn: Turn, arg: str) -> list[Reply] | None:
    """Answer ``remind:<id>`` / ``remind:cancel:<id>``; None when ``arg`` is not one."""
    cancel = arg.startswith("cancel:")
    number = arg.partition(":")[2] if cancel else arg
    if not CLASS_ID.fullmatch(number):  # plain digits int() and SQLite both take (not ², ①, 2**63)
        return None
    stores = turn.services.stores
    store = stores.reminders
    menu = turn.button("button.menu", Action.menu())
    if cancel:
        done = await store.cancel(turn.user, int(number))
        return [Reply(turn.t("remind.cancelled" if done else "remind.not_set"), buttons=[menu])]
    c = await stores.schedule.get(int(number))
    if c is None or class_start(c) <= turn.now:
        return [Reply(turn.t("remind.gone"), buttons=[turn.button("button.classes", Action.intent("classes")), menu])]
    when = due_at(c)
    day = day_label(c.day, turn.lang, turn.knowledge)
    values = dict(
        date=day,
        start=c.start,
        title=c.title,
        venue=c.venue,
        before=day_label(when.date(), turn.lang, turn.knowledge),
        hour=REMIND_AT.hour,
    )
    if when <= turn.now:
        text = turn.t("remind.too_late", when=f"{day} {c.start}", title=c.title, venue=c.venue, phone=c.phone)
        return [Reply(text, links=[turn.call_link(c.venue, c.phone)], buttons=[menu])]
    new = await store.add(turn.user, c.id, when)
    cancel_button = Button(turn.t("remind.cancel_button"), Action("remind", str(c.id), "cancel").encode())
    return [Reply(turn.t("remind.set" if new else "remind.already", **values), buttons=[cancel_button, menu])]
