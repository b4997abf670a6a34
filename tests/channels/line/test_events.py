"""Webhook bodies and events → ``Inbound``: what is answered, what is skipped."""

from __future__ import annotations

import json

import pytest

from bot.channels.line.events import Inbound, MalformedBody, parse_body, to_inbound
from bot.messages import IncomingMessage, Kind, Location
from tests.support import line_fake as lf

USER = lf.user_id("events")
KEY = f"line:{USER}"


def test_parse_body_returns_the_events():
    events = [lf.text(USER, "こんにちは"), lf.follow(USER)]
    assert parse_body(lf.body(*events)) == events
    assert parse_body(b'{"destination": "U1", "events": []}') == []


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"nope",
        b"\xff",
        b"[]",
        b"null",
        b"{}",
        b'{"events": 1}',
        b'{"events": [1]}',
        b'{"events": [[]]}',
        b"[" * 100_000,
    ],
)
def test_parse_body_refuses_what_is_not_a_payload(raw):
    with pytest.raises(MalformedBody):
        parse_body(raw)


def test_text():
    event = lf.text(USER, "宇部のドコモ")
    assert to_inbound(event) == Inbound(
        IncomingMessage(KEY, text="宇部のドコモ"), USER, event["webhookEventId"], event["replyToken"], False
    )
    assert to_inbound(event).message.user == KEY


def utf16_index(text: str, part: str) -> int:
    return len(text[: text.index(part)].encode("utf-16-le")) // 2


def test_line_emoji_are_dropped_and_unicode_emoji_kept():
    said = "😀(hello)宇部の🍎ドコモ(brown)"
    emojis = [
        {"index": utf16_index(said, "(hello)"), "length": 7, "productId": "p", "emojiId": "001"},
        {"index": utf16_index(said, "(brown)"), "length": 7, "productId": "p", "emojiId": "002"},
    ]
    assert to_inbound(lf.text(USER, said, emojis=emojis)).message.text == "😀宇部の🍎ドコモ"
    # spans outside the text change nothing
    odd = [
        {"index": 40, "length": 3, "productId": "p", "emojiId": "001"},
        {"index": 0, "length": 0, "productId": "p", "emojiId": "001"},
    ]
    assert to_inbound(lf.text(USER, "a(b)", emojis=odd)).message.text == "a(b)"


def test_location_postback_follow_unfollow():
    loc = to_inbound(lf.location(USER, 34.05, 131.56))
    assert loc.message == IncomingMessage(KEY, location=Location(34.05, 131.56))
    assert to_inbound(lf.postback(USER, "shops:宇部市")).message == IncomingMessage(KEY, postback="shops:宇部市")
    assert to_inbound(lf.postback(USER, "")).message == IncomingMessage(KEY, postback="")
    follow = to_inbound(lf.follow(USER))
    assert (follow.message.kind, follow.message) == (
        "follow",
        IncomingMessage(KEY, kind=Kind.FOLLOW),
    ) and follow.reply_token
    unfollow = to_inbound(lf.unfollow(USER))
    assert (unfollow.message.kind, unfollow.reply_token) == ("unfollow", None)


def test_an_impossible_location_is_unsupported():
    event = lf.location(USER, 91.0, 131.0)
    assert to_inbound(event).message.kind == "unsupported"


@pytest.mark.parametrize("kind", ["image", "video", "audio", "file"])
def test_media_and_stickers_are_unsupported(kind):
    assert to_inbound(lf.media(USER, kind)).message.kind == "unsupported"
    assert to_inbound(lf.sticker(USER)).message.kind == "unsupported"


def test_a_message_type_newer_than_the_sdk_still_gets_the_gentle_reply():
    event = lf.event("message", USER, message={"id": "1", "type": "hologram"})
    inbound = to_inbound(event)
    assert (inbound.message.kind, inbound.user_id, inbound.reply_token) == ("unsupported", USER, event["replyToken"])
    assert inbound.event_id == event["webhookEventId"]


def test_redelivery_flag():
    assert to_inbound(lf.text(USER, "hi", redelivery=True)).redelivery is True
    assert to_inbound(lf.text(USER, "hi")).redelivery is False


@pytest.mark.parametrize(
    "event",
    [
        lf.text(USER, "hi", source={"type": "group", "groupId": "C1", "userId": USER}),
        lf.text(USER, "hi", source={"type": "room", "roomId": "R1", "userId": USER}),
        lf.event("join", USER, source={"type": "group", "groupId": "C1"}),
        lf.event("brandnew", USER),
        lf.event("message", USER, source={"type": "group", "groupId": "C1"}, message={"id": "1", "type": "hologram"}),
        {"type": "message"},
        {},
    ],
    ids=["group", "room", "join", "unknown-event", "unknown-in-group", "bare", "empty"],
)
def test_events_not_for_a_one_to_one_chat_are_skipped(event):
    assert to_inbound(event) is None


def test_standby_events_are_skipped():
    event = lf.text(USER, "hi")
    event["mode"] = "standby"
    assert to_inbound(event) is None


def test_lone_surrogates_are_dropped_and_the_message_kept():
    raw = json.dumps({"events": [lf.text(USER, "@@")]}).replace('"@@"', r'"\ud800\u5b87\u90e8"')
    (event,) = parse_body(raw.encode())
    assert to_inbound(event).message.text == "宇部"
    raw = json.dumps({"events": [lf.postback(USER, "@@")]}).replace('"@@"', r'"menu\udc00"')
    assert to_inbound(parse_body(raw.encode())[0]).message.postback == "menu"
