"""Schemas of knowledge/concepts.yaml and knowledge/life_events.yaml (pydantic).

Lives here: ``Concept`` and ``ConceptFile`` (what residents' words are about, with the rule
that a word stands in two concepts only when one is broader than the other), ``LifeEvent``
and ``LifeEventFile`` (what happened to a resident, leading to procedures). Checks within a
file are ``cross_checks``; references to other files (a procedure, a concept) are checked by
``bot.data.knowledge``. Pure data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.data.schema import Strict, Text, _duplicates

ASPECTS = ("prepare", "cost", "where", "deadline", "who", "online", "how", "what")
CONCEPT_ID = r"^[a-z][a-z0-9_]*$"


class IgnoredWords(Strict):
    reason: str = Field(min_length=1)
    ja: list[str] = []
    en: list[str] = []


class Concept(Strict):
    id: str = Field(pattern=CONCEPT_ID)
    reason: str = Field(min_length=1)
    ja: list[str] = []
    kana: list[str] = []
    dialect: list[str] = []
    en: list[str] = []
    broader: list[str] = []
    aspect: Literal["prepare", "cost", "where", "deadline", "who", "online", "how", "what"] | None = None
    neutral: bool = False
    needs_context: bool = False  # about the classes only when the talk is (予約: a hospital's too)
    after_number: list[str] = []  # words that make the number before them this concept (八十|過ぎ: an age)

    def japanese(self) -> list[str]:
        return [*self.ja, *self.dialect]


class ConceptFile(Strict):
    ignore: IgnoredWords
    concepts: list[Concept] = Field(min_length=1)

    def cross_checks(self) -> list[tuple[tuple, str]]:
        problems = _duplicates("concepts", [c.id for c in self.concepts], "concept id", "id")
        ids = {c.id for c in self.concepts}
        for i, concept in enumerate(self.concepts):
            for j, other in enumerate(concept.broader):
                if other not in ids:
                    problems.append((("concepts", i, "broader", j), f"unknown concept {other!r}"))
            for j, word in enumerate(concept.kana):
                if len(word) < 3:
                    problems.append((("concepts", i, "kana", j), f"{word!r}: a kana form needs three kana or more"))
        return problems


class LifeEvent(Strict):
    """What happened to a resident (孫が生まれた, 台風で屋根が), and the procedures that follow."""

    id: str = Field(pattern=CONCEPT_ID)
    label: Text
    # Any one of these sets of concepts, all present, is the event (「台風」, or 「屋根」+「壊れる」).
    when: list[list[str]] = Field(min_length=1)
    unless: list[str] = []  # concepts that make the message about something else
    procedures: list[str] = Field(min_length=1)
    question: Text  # asked when several procedures follow: says what was understood
    source: str = Field(min_length=1)


class LifeEventFile(Strict):
    events: list[LifeEvent] = Field(min_length=1)

    def cross_checks(self) -> list[tuple[tuple, str]]:
        return _duplicates("events", [e.id for e in self.events], "life event id", "id")
