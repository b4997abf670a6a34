"""A resident's conversation state read back from the store: what it kept survives the
JSON round trip, and whatever is malformed (an old or damaged row) becomes a fresh value."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from bot.dialogue.state import ConversationState


def test_a_state_round_trips_through_json():
    state = ConversationState(lang="en", city="宇部市", buttons=[["1", "menu"]], shown_until=["2026-12-01", "15:00"])
    again = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state and state.to_dict() == asdict(state)


@pytest.mark.parametrize(
    "stored, field, fresh",
    [
        ({"lang": "fr"}, "lang", "ja"),
        ({"buttons": "menu"}, "buttons", []),
        ({"shown_until": "2026-12-01"}, "shown_until", None),
        ({"shown_until": ["2026-12-01"]}, "shown_until", None),
        ({"unknown_key": 1}, "city", None),  # keys it does not know are dropped
        ({"class_topic": "%_" * 25_000}, "class_topic", None),  # a state poisoned before postbacks were checked
        ({"city": ["宇部市"]}, "city", None),
        ({"level": 3}, "level", None),
    ],
)
def test_a_malformed_value_is_a_fresh_one(stored, field, fresh):
    assert getattr(ConversationState.from_dict(stored), field) == fresh
