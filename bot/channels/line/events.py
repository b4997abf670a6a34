"""Webhook bodies and events: LINE's JSON in, ``Inbound`` out.

Lives here: ``parse_body`` (the raw body → its events, or ``MalformedBody``), ``to_inbound``
(one event → ``Inbound``, or None when there is nothing to do) and ``Inbound``: the
``IncomingMessage`` — text, location, postback, unsupported media, follow, unfollow — plus
user id, reply token, webhookEventId (derived when LINE gave none) and redelivery. Read
with line-bot-sdk's models; only one-to-one chats are answered. Touches nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from bot.delivery.text import without_spans, without_surrogates
from bot.messages import IncomingMessage, Kind, Location, user_key

log = logging.getLogger(__name__)

CHANNEL = "line"


class MalformedBody(ValueError):
    """A signed body that is not a webhook payload (not JSON, no ``events`` list …)."""


@dataclass(frozen=True)
class Inbound:
    """One event worth acting on: the message for the core, and how to answer it."""

    message: IncomingMessage
    user_id: str
    event_id: str | None = None
    reply_token: str | None = None
    redelivery: bool = False


def parse_body(body: bytes) -> list[dict]:
    """The events of a webhook body; ``MalformedBody`` unless it is a JSON object whose
    ``events`` is a list of objects (an empty list is LINE's "Verify" request)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedBody("the body is not UTF-8 JSON") from None
    if not isinstance(payload, dict):
        raise MalformedBody("the body is not a JSON object")
    events = payload.get("events")
    if not isinstance(events, list):
        raise MalformedBody('the body has no "events" list')
    if not all(isinstance(e, dict) for e in events):
        raise MalformedBody("an event is not a JSON object")
    return events


def _without_line_emoji(text: str, emojis: list | None) -> str:
    """A LINE emoji arrives as its alternative text (「(hello)」) at ``index``, ``length``
    counted in UTF-16 code units, as LINE counts text: drop it, so that 「(hello)」 is not
    read as words. Unicode emoji stay (the understanding ignores them)."""
    spans = [(emoji.index, emoji.length) for emoji in emojis or []]
    return without_surrogates(without_spans(text, spans))


def _raw_is_user_message(raw: dict) -> bool:
    source = raw.get("source")
    return (
        raw.get("type") == "message"
        and raw.get("mode", "active") == "active"
        and isinstance(source, dict)
        and source.get("type") == "user"
        and isinstance(source.get("userId"), str)
        and bool(source["userId"])
    )


def event_id_of(raw: dict) -> str:
    """The event's ``webhookEventId``; for an event without one, an id derived from what the
    event says (its redelivery flag left out), so a replay of it is still recognised."""
    given = raw.get("webhookEventId")
    if isinstance(given, str) and given:
        return given
    said = {k: v for k, v in raw.items() if k != "deliveryContext"}
    return "derived-" + hashlib.sha256(json.dumps(said, sort_keys=True, default=str).encode()).hexdigest()[:32]


def to_inbound(raw: dict) -> Inbound | None:
    """One webhook event → ``Inbound``; ``None`` for events the bot does not act on."""
    try:
        event = Event.from_dict(raw)
    except Exception:  # noqa: BLE001 - pydantic ValidationError, a missing discriminator, …
        # A message type newer than the SDK (or a payload it finds odd) from a resident
        # still deserves the gentle "please type" answer.
        if _raw_is_user_message(raw) and isinstance(raw.get("replyToken"), str):
            delivery = raw.get("deliveryContext") if isinstance(raw.get("deliveryContext"), dict) else {}
            return Inbound(
                IncomingMessage(user_key(CHANNEL, raw["source"]["userId"]), kind=Kind.UNSUPPORTED),
                raw["source"]["userId"],
                event_id_of(raw),
                raw["replyToken"],
                bool(delivery.get("isRedelivery")),
            )
        log.info("skipped a LINE event the SDK cannot read (type %r)", raw.get("type"))
        return None
    if getattr(event, "mode", "active") not in (None, "active"):
        return None  # standby: another channel module answers
    source = getattr(event, "source", None)
    if not isinstance(source, UserSource) or not source.user_id:
        return None  # groups and rooms are not conversations with one resident
    common = {
        "user_id": source.user_id,
        "event_id": event_id_of(raw),
        "reply_token": getattr(event, "reply_token", None),
        "redelivery": bool(getattr(getattr(event, "delivery_context", None), "is_redelivery", False)),
    }
    message = _message(event, user_key(CHANNEL, source.user_id))
    return None if message is None else Inbound(message, **common)


def _message(event: Event, key: str) -> IncomingMessage | None:
    if isinstance(event, FollowEvent):
        return IncomingMessage(key, kind=Kind.FOLLOW)
    if isinstance(event, UnfollowEvent):
        return IncomingMessage(key, kind=Kind.UNFOLLOW)
    if isinstance(event, PostbackEvent):
        data = without_surrogates(event.postback.data or "") if event.postback else ""
        return IncomingMessage(key, postback=data)
    if not isinstance(event, MessageEvent):
        return None  # join, leave, beacon, account link, …: nothing for a resident to read
    content = event.message
    if isinstance(content, TextMessageContent):
        return IncomingMessage(key, text=_without_line_emoji(content.text or "", content.emojis))
    if isinstance(content, LocationMessageContent):
        where = Location.checked(float(content.latitude), float(content.longitude))
        if where is not None:
            return IncomingMessage(key, location=where)
    return IncomingMessage(key, kind=Kind.UNSUPPORTED)  # sticker, image, audio, video, file, …
