"""Class and shop searches with what the conversation already said: the skills behind the
``classes`` and ``shops`` intents.

Lives here: ``classes`` and ``shops``, which take a parse and fill in what a follow-up
inherits. 「そこでスマホ教室ある？」 right after a city's shops keeps that city; a carrier, level
or topic is kept only by a follow-up of the same search (「来週は？」), never by a new search
(「周南の教室」 after 「宇部のauの教室」), and ``ConversationState.clear_filters`` drops them after
「メニュー」 or an hour of silence. May touch the conversation state and the class and shop
skills.
"""

from __future__ import annotations

from bot.dialogue.skills import classes as class_skill
from bot.dialogue.skills import shops as shop_skill
from bot.dialogue.turn import Turn
from bot.messages import Reply
from bot.understanding.parser import Parse

PLACE_INTENTS = ("shops", "classes")


def _search(turn: Turn, p: Parse, follow_up: bool) -> tuple[list[str], str | None, str | None, str | None]:
    state = turn.state
    cities = list(p.cities)
    carrier, level, topic = p.carrier, p.level, p.topic
    if (follow_up or state.topic in PLACE_INTENTS) and not cities and not p.prefecture_wide and state.city:
        cities = [state.city]
    if follow_up and state.topic in PLACE_INTENTS:
        carrier = carrier or state.carrier
        level = level or state.level
        topic = topic or state.class_topic
    return cities, carrier, level, topic


async def classes(turn: Turn, p: Parse, follow_up: bool) -> list[Reply]:
    cities, carrier, level, topic = _search(turn, p, follow_up)
    return await class_skill.classes_reply(turn, cities, p.when, level, topic, carrier, p.prefecture_wide)


def shops(turn: Turn, p: Parse, follow_up: bool) -> list[Reply]:
    cities, carrier, _, _ = _search(turn, p, follow_up)
    city = cities[0] if cities else None
    return shop_skill.shops_reply(turn, city, carrier, p.prefecture_wide and not city)
