"""Tagging a class with the programme's topics (knowledge/programme.yaml) from its title."""

from __future__ import annotations

from bot.data.schema import Topic
from bot.understanding.normalize import fold


class TopicTagger:
    def __init__(self, topics: list[Topic]):
        self._topics = [(t.id, [fold(k) for k in t.keywords]) for t in topics]

    def tags(self, *texts: str | None) -> tuple[str, ...]:
        folded = fold(" ".join(t for t in texts if t))
        return tuple(tid for tid, keywords in self._topics if any(k and k in folded for k in keywords))
