"""Class titles tagged with the programme's topics the way a resident's message is read:
a katakana keyword is a word of its own (ライン is not in オンライン)."""

from __future__ import annotations

import pytest

from bot.classes.topics import TopicTagger


@pytest.fixture
def tagger(knowledge) -> TopicTagger:
    return TopicTagger(knowledge.programme.topics)


@pytest.mark.parametrize(
    "title, expected",
    [
        ("オンライン手続き入門", "online_procedures"),
        ("LINEの使い方", "line_app"),
        ("ラインアプリで家族と連絡", "line_app"),
        ("ｵﾝﾗｲﾝ診療を受けてみよう", "online_medical"),  # half-width katakana is folded first
    ],
)
def test_a_title_gets_its_topic(tagger, title, expected):
    assert expected in tagger.tags(title)


@pytest.mark.parametrize("title", ["オンライン手続き入門", "スマホでオンライン診療", "Apply online"])
def test_online_is_not_line(tagger, title):
    assert "line_app" not in tagger.tags(title)
