"""山口弁 te-form endings read as the standard ones before analysis."""

import pytest

from bot.understanding.dialect import standard


@pytest.mark.parametrize(
    "text, read",
    [
        ("スマホを持っちょらん", "スマホを持っていない"),
        ("下関でやっちょる教室", "下関でやっている教室"),
        ("認定を受けちょります", "認定を受けています"),
        ("本を読んじょる", "本を読んでいる"),
        ("もう送ってこんでええよ", "もう送ってこないでええよ"),
    ],
)
def test_endings_are_read_as_standard(knowledge, text, read):
    assert standard(text, knowledge.particles.dialect_endings) == read


@pytest.mark.parametrize("text", ["ちょっと教えて", "ちょうど良い", "ちょる", "じょうずに使いたい"])
def test_words_that_only_look_like_endings_stay(knowledge, text):
    assert standard(text, knowledge.particles.dialect_endings) == text
