"""What a button's data may be: checked before any of it reaches a skill or SQL.

Lives here: ``MAX_POSTBACK_CHARS`` (LINE allows 300 characters of postback data; no button
of ours needs more), ``known`` — whether an ``Action`` (``bot.dialogue.actions``, which
parses the data and refuses what is too long, unprintable or of no known form) names what
the bot offers: a class level or topic the programme knows (``classes:CITY:level=L|topic=T``),
a class for a reminder by a plain number of at most 18 digits (so ``int()`` and SQLite both
take it) — and ``offered``, both checks on the data as it came. Cities, procedures and FAQs
are checked by the skills that look them up. Pure: reads the knowledge it is given.
"""

from __future__ import annotations

from bot.data.knowledge import Knowledge
from bot.dialogue.actions import MAX_DATA, Action
from bot.dialogue.skills.reminders import CLASS_ID

MAX_POSTBACK_CHARS = MAX_DATA


def known(action: Action, knowledge: Knowledge) -> bool:
    """Whether what ``action`` names is something the bot offers."""
    if action.kind == "classes" and action.option:
        level, topic = action.filter()
        if level is not None:
            return any(lvl.name == level for lvl in knowledge.programme.levels)
        if topic is not None:
            return any(t.id == topic for t in knowledge.programme.topics)
        return False
    if action.kind == "remind":
        return CLASS_ID.fullmatch(action.arg) is not None
    return True


def offered(data: str, knowledge: Knowledge) -> bool:
    """Whether ``data`` is the data of a button the bot could have shown."""
    action = Action.parse(data)
    return action is not None and known(action, knowledge)
