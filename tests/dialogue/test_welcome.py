"""The core's answer to a channel's events: the welcome shaped by the channel's
capabilities, a known resident's language kept, unfollowed and blocked residents recorded,
and the language answered in returned."""

from __future__ import annotations

from bot.channels.registry import capabilities
from bot.messages import PLAIN, IncomingMessage, Kind
from bot.store.residents import ResidentStore


async def test_a_follow_on_a_channel_that_can_write_first_offers_news_and_the_other_language(app):
    answer = await app.engine.answer(IncomingMessage("line:U1", kind=Kind.FOLLOW), capabilities("line"))
    (reply,) = answer.replies
    data = [b.data for b in reply.buttons]
    assert data[:2] == ["intent:classes", "intent:shops"] and data[-2:] == ["lang:en", "intent:subscribe"]
    assert len(data) <= capabilities("line").buttons and answer.lang == "ja"


async def test_a_plain_channel_gets_the_greeting_alone(app):
    answer = await app.engine.answer(IncomingMessage("console:u1", kind=Kind.FOLLOW), PLAIN)
    offered = [b.data for b in answer.replies[0].buttons]
    assert "intent:subscribe" not in offered and "lang:en" not in offered  # no buttons declared: no offers
    no_push = await app.engine.answer(IncomingMessage("web:u1", kind=Kind.FOLLOW), capabilities("web"))
    assert "intent:subscribe" not in [b.data for b in no_push.replies[0].buttons]
    assert "lang:en" in [b.data for b in no_push.replies[0].buttons]


async def test_the_guessed_language_is_for_new_residents_only(app):
    new = await app.engine.answer(IncomingMessage("telegram:1", kind=Kind.FOLLOW, lang="en"), capabilities("telegram"))
    assert new.lang == "en" and new.replies[0].buttons[-2].data == "lang:ja"
    await app.engine.answer(IncomingMessage("telegram:2", postback="lang:ja"))
    known = await app.engine.answer(
        IncomingMessage("telegram:2", kind=Kind.FOLLOW, lang="en"), capabilities("telegram")
    )
    assert known.lang == "ja"


async def test_unfollow_and_blocked_are_recorded_silently_and_follow_unblocks(app):
    residents = ResidentStore(app.db)
    for kind in (Kind.UNFOLLOW, Kind.BLOCKED):
        answer = await app.engine.answer(IncomingMessage(f"line:{kind.value}", kind=kind))
        assert answer.replies == [] and answer.lang is None
        assert await residents.is_blocked(f"line:{kind.value}")
        assert await app.engine.conversations.load(f"line:{kind.value}") == {}  # nothing else kept
    await app.engine.answer(IncomingMessage("line:blocked", kind=Kind.FOLLOW), capabilities("line"))
    assert not await residents.is_blocked("line:blocked")


async def test_unsupported_media_gets_the_gentle_reply(app, knowledge):
    answer = await app.engine.answer(IncomingMessage("line:U2", kind=Kind.UNSUPPORTED))
    direct = await app.engine.answer(IncomingMessage("line:U3", postback="intent:unsupported"))
    assert [r.text for r in answer.replies] == [r.text for r in direct.replies] and answer.replies


def test_the_kind_follows_from_the_content():
    assert IncomingMessage("u", text="x").kind is Kind.TEXT
    assert IncomingMessage("u", postback="menu").kind is Kind.POSTBACK
    assert IncomingMessage("u", kind=Kind.FOLLOW).kind is Kind.FOLLOW
