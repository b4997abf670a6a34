"""What a button's data may be: checked before any of it reaches a skill or SQL.

Lives here: ``MAX_POSTBACK_CHARS`` (LINE allows 300 characters of postback data; no button
of ours needs more) and ``offered`` — whether data could have come from a button the bot
shows: bounded, printable, and where it names a class level or topic
(``classes:CITY:level=L|topic=T``) one the programme knows, and where it names a class for
a reminder (``remind:ID``, ``remind:cancel:ID``) a plain number of at most 18 digits (so
``int()`` and SQLite both take it). Cities, procedures and FAQs are checked by the skills
that look them up. Pure: reads the knowledge it is given.
"""

from __future__ import annotations

from bot.data.knowledge import Knowledge
from bot.dialogue.skills.reminders import CLASS_ID

MAX_POSTBACK_CHARS = 300


def _class_option_known(option: str, knowledge: Knowledge) -> bool:
    if not option:
        return True
    name, _, value = option.partition("=")
    if name == "level":
        return any(level.name == value for level in knowledge.programme.levels)
    if name == "topic":
        return any(topic.id == value for topic in knowledge.programme.topics)
    return False


def offered(data: str, knowledge: Knowledge) -> bool:
    """Whether ``data`` is the data of a button the bot could have shown."""
    if len(data) > MAX_POSTBACK_CHARS or not data.isprintable():
        return False
    kind, _, arg = data.strip().partition(":")
    if kind == "classes":
        return _class_option_known(arg.partition(":")[2], knowledge)
    if kind == "remind":
        return CLASS_ID.fullmatch(arg.removeprefix("cancel:")) is not None
    return True
