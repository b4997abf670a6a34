"""A municipality's official name from what a resident or staff typed after a command
(``/subscribe 宇部``, ``/broadcast ube …``): the official name, its short form, kana,
romaji or English name, or failing those, what the understanding finds in it.

Lives here: ``official_name``. Pure: reads the knowledge and the understanding it is given.
"""

from __future__ import annotations

import re
from datetime import date

from bot.data.knowledge import Knowledge
from bot.understanding.parser import Understanding


def _fold(text: str) -> str:
    return re.sub(r"[\s\-_・]", "", text).casefold()


def by_name(knowledge: Knowledge, typed: str | None) -> str | None:
    """The official name when ``typed`` is one of a municipality's names."""
    if not typed:
        return None
    wanted = _fold(typed)
    for m in knowledge.municipalities.municipalities:
        names = [m.name, m.short, m.kana, m.short_kana, m.romaji, m.name_en, *m.romaji_aliases]
        if wanted in {_fold(n) for n in names if n}:
            return m.name
    return None


def official_name(knowledge: Knowledge, understanding: Understanding, typed: str, today: date) -> str | None:
    if knowledge.municipality(typed) is not None:
        return typed
    found = by_name(knowledge, typed)
    if found is None:
        cities = understanding.parse(typed, today).cities
        found = cities[0] if cities else None
    return found
