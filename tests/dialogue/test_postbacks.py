"""Button data is checked before it reaches a skill or SQL: bounded (LINE allows 300
characters), and a class level, topic or reminder id must be one the bot offers."""

from __future__ import annotations

import pytest

from bot.dialogue.postbacks import MAX_POSTBACK_CHARS, offered
from bot.messages import IncomingMessage
from tests.support.conversations import visible

REFUSED = "使えなくなりました"


async def press(app, data, user="u"):
    return await app.engine.handle(IncomingMessage(user, postback=data))


@pytest.mark.parametrize(
    "data",
    [
        "classes:宇部市",
        "classes:宇部市:level=入門",
        "classes:宇部市:topic=mynumber",
        "remind:12",
        "remind:cancel:12",
        "menu",
        "proc:x",
    ],
)
def test_what_the_bot_offers_passes(knowledge, data):
    assert offered(data, knowledge)


@pytest.mark.parametrize(
    "data",
    [
        "classes:宇部市:topic=" + "%" * 50_000,
        "classes:宇部市:topic=nosuch",
        "classes:宇部市:level=上級",
        "classes:宇部市:colour=red",
        "remind:²",
        "remind:①",
        "remind:" + str(2**63),
        "remind:cancel:-1",
        "menu\x00",
        "x" * (MAX_POSTBACK_CHARS + 1),
    ],
)
def test_what_it_never_offers_is_refused(knowledge, data):
    assert not offered(data, knowledge)


async def test_a_huge_topic_is_refused_and_the_conversation_goes_on(app):
    replies = await press(app, "classes:宇部市:topic=" + "%_" * 25_000)
    assert REFUSED in visible(replies)
    replies = await app.engine.handle(IncomingMessage("u", text="宇部のスマホ教室"))
    assert "うまく処理できませんでした" not in visible(replies) and "宇部" in visible(replies)


@pytest.mark.parametrize("data", ["remind:²", "remind:①", "remind:" + str(2**63), "remind:cancel:" + "9" * 30])
async def test_odd_reminder_numbers_get_the_polite_refusal_not_an_error(app, data):
    text = visible(await press(app, data))
    assert REFUSED in text and "うまく処理できませんでした" not in text
