"""Understanding.warm_up: start-up reads a few of the knowledge's examples and keeps nothing of them."""

from __future__ import annotations

from tests.conftest import NOW


def test_warming_up_reads_examples_and_keeps_no_parse(understanding):
    text = "宇部の明日のスマホ教室"
    before = understanding.parse(text, NOW.date())
    calls = []
    parse = understanding.parse
    understanding.parse = lambda t, today: calls.append(t) or parse(t, today)
    try:
        understanding.warm_up(NOW.date(), texts=4)
    finally:
        del understanding.parse
    assert len(calls) == 4 and len(set(calls)) == 4  # four different examples, of the knowledge
    assert all(c in understanding._original.values() for c in calls)
    assert understanding._parse_cached.cache_info().currsize == 0
    after = understanding.parse(text, NOW.date())
    assert (after.cities, after.when, after.intents) == (before.cities, before.when, before.intents)
