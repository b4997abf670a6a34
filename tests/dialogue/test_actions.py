"""Button data: one typed Action, encoded and parsed in one place."""

import pytest

from bot.dialogue.actions import MAX_DATA, Action


@pytest.mark.parametrize(
    "data",
    [
        "menu",
        "intent:classes",
        "pick:shops",
        "proc:e-tax-filing",
        "group:pregnancy",
        "faq:free",
        "city:宇部市",
        "shops:萩市",
        "classes:宇部市",
        "classes:宇部市:level=入門",
        "classes:萩市:topic=mynumber",
        "lang:en",
        "sub:防府市",
        "unsub:*",
        "forget:yes",
        "remind:12",
        "remind:cancel:12",
    ],
)
def test_every_form_round_trips(data):
    assert Action.parse(data).encode() == data


@pytest.mark.parametrize("data", ["", "nonsense", "classes:", "intent:", "drop:table", "x" * (MAX_DATA + 1), None])
def test_data_the_bot_never_makes_is_refused(data):
    assert Action.parse(data) is None


def test_a_class_filter_is_read_back():
    assert Action.parse("classes:宇部市:level=入門").filter() == ("入門", None)
    assert Action.parse("classes:宇部市:topic=line").filter() == (None, "line")


def test_an_answer_is_its_own_data_or_a_pick():
    assert Action.answer("proc:e-tax-filing").encode() == "proc:e-tax-filing"
    assert Action.answer("classes").encode() == "pick:classes"
