"""Tagging a class with the programme's topics (knowledge/programme.yaml) from its title.

A topic keyword is found as the parser finds it in a resident's message
(``bot.understanding.keywords``): ライン in 「LINEのライン教室」 but not in 「オンライン手続き」.
"""

from __future__ import annotations

from bot.data.schema import Topic
from bot.understanding.keywords import forms, in_text, keyword


class TopicTagger:
    def __init__(self, topics: list[Topic]):
        self._topics = [(t.id, [keyword(k) for k in t.keywords]) for t in topics]

    def tags(self, *texts: str | None) -> tuple[str, ...]:
        folded, kana = forms(" ".join(t for t in texts if t))
        return tuple(tid for tid, keywords in self._topics if any(in_text(k, folded, kana) for k in keywords))
