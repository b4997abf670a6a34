"""The LINE webhook over real HTTP on loopback: signed bodies in, line-bot-sdk's real
async client out to the fake LINE API, which records what the resident would see."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from bot.channels.line.render import MAX_LABEL, MAX_QUICK_REPLIES
from bot.channels.line.server import HEALTH_PATH
from bot.store.residents import ResidentStore
from tests.channels.line.conftest import SECRET, running_line
from tests.support import line_fake as lf
from tests.support.line_fake import visible

UBE_DOCOMO = "0120-173-053"
UBE_PHONES = ("0120-173-053", "0800-700-2472", "0800-700-2497", "0836-36-2253")
HOFU_DOCOMO = "0120-244-902"


def quick_items(messages: list[dict]) -> list[dict]:
    return [item for m in messages for item in (m.get("quickReply") or {}).get("items", [])]


def uri_actions(messages: list[dict]) -> list[dict]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "uri":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(messages)
    return found


def check_line_limits(messages: list[dict]) -> None:
    assert 1 <= len(messages) <= 5
    assert lf.problems(messages) == []
    items = quick_items(messages)
    assert len(items) <= MAX_QUICK_REPLIES
    assert all(len(i["action"]["label"]) <= MAX_LABEL for i in items)
    assert all("quickReply" not in m for m in messages[:-1]), "quick replies belong on the last message"


async def count_rows(db, sql: str, *args) -> int:
    async with db.conn.execute(sql, args) as cur:
        return (await cur.fetchone())[0]


# --- messages in, answers out ---------------------------------------------------------


async def test_japanese_text_gets_the_shop_and_a_tel_button(line, fake):
    user = lf.user_id("ube")
    call = await line.send(lf.text(user, "宇部のドコモ"))
    assert call.headers["Authorization"] == f"Bearer {fake.access_token}"
    messages = call.messages
    check_line_limits(messages)
    assert messages[0]["type"] == "text"
    assert UBE_DOCOMO in messages[0]["text"] and "ドコモショップフジグラン宇部店" in messages[0]["text"]
    assert "0800-700-2472" not in visible(messages)  # au, not asked for
    tel = [a for a in uri_actions(messages) if a["uri"].startswith("tel:")]
    assert {"type": "uri", "label": "電話する 0120-173-053", "uri": "tel:0120173053"} in tel
    maps = [a for a in uri_actions(messages) if a["uri"].startswith("https://www.google.com/maps/")]
    assert maps and all(len(a["label"]) <= MAX_LABEL for a in maps)
    assert [i["action"]["data"] for i in quick_items(messages)] == ["classes:宇部市", "menu"]


async def test_emoji_and_line_emoji(line, fake, knowledge):
    user = lf.user_id("emoji")
    # a LINE emoji arrives as its alternative text, placed in UTF-16 code units
    said = "😀宇部のドコモ(hello)教えて👍"
    index = len(said[: said.index("(hello)")].encode("utf-16-le")) // 2
    event = lf.text(
        user, said, emojis=[{"index": index, "length": 7, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}]
    )
    call = await line.send(event)
    assert UBE_DOCOMO in call.messages[0]["text"]
    only_emoji = await line.send(lf.text(user, "😀👍🙏"))
    check_line_limits(only_emoji.messages)
    assert only_emoji.messages[0]["text"] != knowledge.text("error", "ja")


async def test_a_location_gets_the_nearest_shops(line, knowledge):
    office = knowledge.municipality("防府市").office
    call = await line.send(lf.location(lf.user_id("loc"), office.lat, office.lon))
    check_line_limits(call.messages)
    text = call.messages[0]["text"]
    assert HOFU_DOCOMO in text
    assert "防府市" in text.split("■", 2)[1]  # nearest first


async def test_a_postback_from_the_quick_reply_of_a_previous_answer(line):
    user = lf.user_id("postback")
    first = await line.send(lf.text(user, "宇部"))
    data = [i["action"]["data"] for i in quick_items(first.messages)]
    shops = next(d for d in data if d.startswith("shops:"))
    second = await line.send(lf.postback(user, shops))
    check_line_limits(second.messages)
    for phone in UBE_PHONES:
        assert phone in second.messages[0]["text"]


async def test_an_unknown_postback_is_answered_kindly(line, knowledge):
    call = await line.send(lf.postback(lf.user_id("pb"), "bogus:xx"))
    assert call.messages[0]["text"] == knowledge.text("unknown_button", "ja")


@pytest.mark.parametrize("kind", ["sticker", "image", "video", "audio", "file"])
async def test_stickers_and_media_get_the_gentle_reply(line, knowledge, kind):
    user = lf.user_id(kind)
    event = lf.sticker(user) if kind == "sticker" else lf.media(user, kind)
    call = await line.send(event)
    check_line_limits(call.messages)
    assert call.messages[0]["text"] == knowledge.text("unsupported", "ja")
    assert [i["action"]["data"] for i in quick_items(call.messages)][:2] == ["intent:classes", "intent:shops"]


async def test_the_gentle_reply_speaks_the_residents_language(line, knowledge):
    user = lf.user_id("english-sticker")
    await line.send(lf.postback(user, "lang:en"))
    call = await line.send(lf.sticker(user))
    assert call.messages[0]["text"] == knowledge.text("unsupported", "en")


async def test_follow_greets_shows_the_menu_and_offers_class_news(line, knowledge, app):
    user = lf.user_id("new friend")
    call = await line.send(lf.follow(user))
    check_line_limits(call.messages)
    assert call.messages[0]["text"] == knowledge.text("greeting", "ja")
    items = quick_items(call.messages)
    data = [i["action"]["data"] for i in items]
    assert data[:5] == ["intent:classes", "intent:shops", "intent:mynaportal", "intent:faq", "intent:human"]
    assert data[-1] == "intent:subscribe"
    assert items[-1]["action"]["label"] == knowledge.text("button.subscribe", "ja")
    # pressing the offer asks which city, and a city subscribes
    asked = await line.send(lf.postback(user, "intent:subscribe"))
    assert "市町" in asked.messages[0]["text"]
    done = await line.send(lf.postback(user, "city:宇部市"))
    assert "宇部市" in done.messages[0]["text"]
    subs = await ResidentStore(app.db).recipients("宇部市", channel="line")
    assert [s.user_key for s in subs] == [f"line:{user}"]


async def test_unfollow_blocks_and_follow_unblocks(line, fake, app):
    user = lf.user_id("leaver")
    key = f"line:{user}"
    residents = ResidentStore(app.db)
    await line.send(lf.postback(user, "sub:宇部市"))
    assert [s.user_key for s in await residents.recipients("宇部市", "line")] == [key]
    calls_before = len(fake.calls)
    status, _ = await line.post(lf.unfollow(user))
    assert status == 200
    await line.idle()
    assert await residents.is_blocked(key)
    assert await residents.recipients("宇部市", "line") == []  # broadcasts skip them
    assert len(fake.calls) == calls_before  # nothing can be sent to someone who left
    await line.send(lf.follow(user, unblocked=True))
    assert not await residents.is_blocked(key)
    assert [s.user_key for s in await residents.recipients("宇部市", "line")] == [key]


async def test_a_residents_events_are_handled_in_order(line, fake):
    user = lf.user_id("orderly")
    events = [
        lf.text(user, "ドコモショップはどこ？"),
        lf.text(user, "防府"),
        lf.postback(user, "menu"),
        lf.text(user, "宇部のドコモ"),
    ]
    status, _ = await line.post(*events)
    assert status == 200
    await line.idle()
    replies = [fake.reply_to(e["replyToken"]) for e in events]
    assert all(replies)
    assert [r.at for r in replies] == sorted(r.at for r in replies)
    assert HOFU_DOCOMO in replies[1].messages[0]["text"]  # "防府" answered the pending "which city?"
    assert UBE_DOCOMO in replies[3].messages[0]["text"]


async def test_group_and_standby_events_are_not_answered(line, fake):
    user = lf.user_id("in a group")
    group = lf.text(user, "宇部のドコモ", source={"type": "group", "groupId": "C123", "userId": user})
    standby = lf.text(user, "宇部のドコモ")
    standby["mode"] = "standby"
    join = lf.event("join", user, source={"type": "group", "groupId": "C123"})
    status, _ = await line.post(group, standby, join)
    assert status == 200
    await line.idle()
    assert fake.calls == []


# --- redeliveries ---------------------------------------------------------------------


async def test_a_redelivered_event_is_handled_once(line, fake, app):
    user = lf.user_id("redelivered")
    event = lf.text(user, "宇部のドコモ")
    await line.send(event)
    again = {**event, "deliveryContext": {"isRedelivery": True}}
    status, _ = await line.post(again)
    assert status == 200
    await line.idle()
    assert len(fake.to("reply", ok_only=False)) == 1
    assert line.runtime.handler.counts["duplicate"] == 1
    # also when both copies arrive together
    twice = lf.text(user, "防府のドコモ")
    status, _ = await line.post(twice, {**twice, "deliveryContext": {"isRedelivery": True}})
    await line.idle()
    assert len([c for c in fake.calls if c.body.get("replyToken") == twice["replyToken"]]) == 1


async def test_an_event_without_a_webhook_event_id_is_handled_once_on_replay(line, fake):
    event = lf.text(lf.user_id("no-id"), "宇部のドコモ")
    del event["webhookEventId"]
    await line.send(event)
    for _ in range(3):
        status, _ = await line.post({**event, "deliveryContext": {"isRedelivery": True}})
        assert status == 200
    await line.idle()
    assert len(fake.to("reply", ok_only=False)) == 1
    assert line.runtime.handler.counts["duplicate"] == 3
    other = lf.text(lf.user_id("no-id"), "宇部のドコモ")  # the same words said again later: a new event
    del other["webhookEventId"]
    await line.send(other)
    assert len(fake.to("reply", ok_only=False)) == 2


async def test_a_first_time_redelivery_is_handled(line, fake):
    """isRedelivery alone does not mean handled: the first delivery may never have arrived."""
    event = lf.text(lf.user_id("late"), "宇部のドコモ", redelivery=True)
    call = await line.send(event)
    assert UBE_DOCOMO in call.messages[0]["text"]


async def test_seen_events_survive_a_restart(app, fake):
    user = lf.user_id("restart")
    event = lf.text(user, "宇部のドコモ")
    async with running_line(app, fake) as first:
        await first.send(event)
    async with running_line(app, fake) as second:  # a new server on the same database
        status, _ = await second.post({**event, "deliveryContext": {"isRedelivery": True}})
        assert status == 200
        await second.idle()
        assert second.runtime.handler.counts["duplicate"] == 1
    assert len(fake.to("reply", ok_only=False)) == 1


# --- refusing what is not from LINE ----------------------------------------------------


async def nothing_happened(line, fake, app) -> None:
    await line.idle()
    assert fake.calls == []
    assert line.runtime.dispatcher.handled == 0
    assert await count_rows(app.db, "SELECT COUNT(*) FROM seen_events") == 0
    assert await count_rows(app.db, "SELECT COUNT(*) FROM conversations WHERE user_key LIKE 'line:%'") == 0
    assert await count_rows(app.db, "SELECT COUNT(*) FROM residents WHERE user_key LIKE 'line:%'") == 0


async def test_no_signature_is_400_and_nothing_is_processed(line, fake, app):
    user = lf.user_id("forger")
    assert (await line.post(lf.text(user, "宇部のドコモ"), signature=None))[0] == 400
    assert (await line.post(lf.follow(user), signature=""))[0] == 400
    await nothing_happened(line, fake, app)


@pytest.mark.parametrize(
    "forge",
    [
        lambda raw: lf.signature(raw, "another-channels-secret"),
        lambda raw: lf.signature(raw + b" ", SECRET),  # the signature of a different body
        lambda raw: lf.signature(raw, SECRET)[:-2] + "==",
        lambda raw: lf.signature(raw, SECRET).lower(),
        lambda raw: "not base64 at all",
        lambda raw: "署名",
    ],
    ids=["other-secret", "other-body", "truncated", "case-changed", "garbage", "non-ascii"],
)
async def test_a_wrong_signature_is_401_and_nothing_is_processed(line, fake, app, forge):
    user = lf.user_id("forger")
    raw = lf.body(lf.text(user, "宇部のドコモ"), lf.follow(user), lf.unfollow(user))
    signature = forge(raw)
    try:
        signature.encode("latin-1")
    except UnicodeEncodeError:
        signature = signature.encode("utf-8").decode("latin-1")  # as raw bytes on the wire
    status, text = await line.post(raw=raw, signature=signature)
    assert status == 401
    assert SECRET not in text
    await nothing_happened(line, fake, app)


async def test_a_tampered_body_is_refused(line, fake, app):
    user = lf.user_id("tamper")
    raw = lf.body(lf.text(user, "宇部のドコモ"))
    signature = lf.signature(raw, SECRET)
    tampered = raw.replace("宇部".encode(), "防府".encode())
    assert (await line.post(raw=tampered, signature=signature))[0] == 401
    await nothing_happened(line, fake, app)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"destination": "U1", "events": [',
        b"\xff\xfe{}",
        b"[]",
        b'"events"',
        b"{}",
        b'{"destination": "U1"}',
        b'{"events": null}',
        b'{"events": {"type": "message"}}',
        b'{"events": ["text"]}',
        b"",
    ],
    ids=[
        "text",
        "truncated",
        "not-utf8",
        "array",
        "string",
        "empty-object",
        "no-events",
        "null-events",
        "events-object",
        "events-of-strings",
        "empty-body",
    ],
)
async def test_a_malformed_body_with_a_valid_signature_is_400(line, fake, app, raw):
    status, _ = await line.post(raw=raw)
    assert status == 400
    await nothing_happened(line, fake, app)


async def test_a_malformed_body_is_not_half_processed(line, fake, app):
    """A good event next to a non-object one: the whole body is refused."""
    good = lf.text(lf.user_id("half"), "宇部のドコモ")
    raw = json.dumps({"events": [good, 42]}).encode()
    assert (await line.post(raw=raw))[0] == 400
    await nothing_happened(line, fake, app)


async def test_the_verify_button_gets_200(line, fake, app):
    """The console's "Verify" posts a signed body with no events."""
    status, text = await line.post()
    assert (status, text) == (200, "OK")
    await nothing_happened(line, fake, app)


async def test_only_post_is_served_on_the_webhook(line):
    async with line.session.get(line.url) as response:
        assert response.status == 405


# --- answered at once, handled in the background --------------------------------------


class Gate:
    """Holds every engine call until opened."""

    def __init__(self, engine):
        self.open = asyncio.Event()
        self.entered = 0
        self._answer = engine.answer
        engine.answer = self

    async def __call__(self, msg, capabilities):
        self.entered += 1
        await self.open.wait()
        return await self._answer(msg, capabilities)


async def test_200_comes_before_the_answer(line, fake, app):
    gate = Gate(app.engine)
    event = lf.text(lf.user_id("patient"), "宇部のドコモ")
    started = time.perf_counter()
    status, _ = await line.post(event)
    acknowledged = time.perf_counter() - started
    assert status == 200
    assert acknowledged < 1.0
    await asyncio.sleep(0.05)
    assert gate.entered == 1 and fake.calls == []  # still being handled, already acknowledged
    gate.open.set()
    call = await fake.reply_for(event["replyToken"])
    assert UBE_DOCOMO in call.messages[0]["text"]


async def test_a_full_queue_answers_503_and_takes_nothing(app, fake):
    gate = Gate(app.engine)
    async with running_line(app, fake, max_pending=2) as line:
        first = [lf.text(lf.user_id(f"busy{n}"), "宇部のドコモ") for n in range(2)]
        assert (await line.post(*first))[0] == 200
        more = [lf.text(lf.user_id("busy-later"), "宇部のドコモ")]
        assert (await line.post(*more))[0] == 503
        gate.open.set()
        await line.idle()
        assert {c.body["replyToken"] for c in fake.to("reply")} == {e["replyToken"] for e in first}
    assert line.runtime.handler.counts["duplicate"] == 0


async def test_shutdown_finishes_the_queued_events(app, fake):
    gate = Gate(app.engine)
    events = [lf.text(lf.user_id(f"queued{n}"), "宇部のドコモ") for n in range(5)]
    async with running_line(app, fake) as line:
        assert (await line.post(*events))[0] == 200
        asyncio.get_running_loop().call_later(0.1, gate.open.set)
    # the server is down; every acknowledged event was answered before it went
    assert {c.body["replyToken"] for c in fake.to("reply")} == {e["replyToken"] for e in events}
    assert line.runtime.dispatcher.pending == 0
    tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("line-event")]
    assert tasks == []


async def test_shutdown_does_not_wait_forever(app, fake):
    Gate(app.engine)  # never opened
    async with running_line(app, fake, shutdown_timeout=0.2) as line:
        assert (await line.post(lf.text(lf.user_id("stuck"), "宇部のドコモ")))[0] == 200
        await asyncio.sleep(0.05)
        started = time.perf_counter()
    assert time.perf_counter() - started < 5
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("line-event")] == []


async def test_a_failing_event_does_not_stop_the_worker(line, fake, app, monkeypatch):
    calls = {"n": 0}
    original = line.runtime.handler.conversations.answer

    async def flaky(msg):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return await original(msg)

    monkeypatch.setattr(line.runtime.handler.conversations, "answer", flaky)
    user = lf.user_id("flaky")
    assert (await line.post(lf.text(user, "宇部のドコモ")))[0] == 200
    call = await line.send(lf.text(user, "防府のドコモ"))
    assert HOFU_DOCOMO in call.messages[0]["text"]
    assert line.runtime.dispatcher.failed == 1


# --- reply tokens, push fallback, retries ---------------------------------------------


async def test_an_invalid_reply_token_without_push_sends_nothing_more(line, fake):
    event = lf.text(lf.user_id("expired"), "宇部のドコモ")
    fake.expire(event["replyToken"])
    assert (await line.post(event))[0] == 200
    await line.idle()
    assert [(c.endpoint, c.status) for c in fake.calls] == [("reply", 400)]
    assert line.runtime.messenger.counts["not_sent"] == 1


async def test_an_invalid_reply_token_falls_back_to_push_when_enabled(line_push, fake):
    user = lf.user_id("expired-push")
    event = lf.text(user, "宇部のドコモ")
    fake.expire(event["replyToken"])
    assert (await line_push.post(event))[0] == 200
    push = await fake.wait_for(lambda: next(iter(fake.to("push")), None))
    assert push.body["to"] == user
    assert UBE_DOCOMO in push.messages[0]["text"]
    assert push.retry_key and len(push.retry_key) == 36
    assert [(c.endpoint, c.status) for c in fake.calls] == [("reply", 400), ("push", 200)]
    assert fake.used == 1  # a push counts against the quota


async def test_a_reply_is_retried_on_500_and_429(line, fake):
    fake.fail("reply", 500)
    fake.fail("reply", 429)
    event = lf.text(lf.user_id("retry"), "宇部のドコモ")
    call = await line.send(event)
    assert UBE_DOCOMO in call.messages[0]["text"]
    assert [c.status for c in fake.to("reply", ok_only=False)] == [500, 429, 200]


async def test_a_reply_that_keeps_failing_is_pushed_when_enabled(line_push, fake):
    fake.fail("reply", 500, times=3)
    fake.fail("push", 500)
    event = lf.text(lf.user_id("outage"), "宇部のドコモ")
    assert (await line_push.post(event))[0] == 200
    await line_push.idle()
    pushes = fake.to("push", ok_only=False)
    assert [c.status for c in pushes] == [500, 200]
    assert pushes[0].retry_key == pushes[1].retry_key  # the retry cannot deliver twice


# --- health, secrets ------------------------------------------------------------------


async def test_the_health_endpoint(line):
    async with line.session.get(line.base + HEALTH_PATH) as response:
        assert response.status == 200
        health = await response.json()
    assert health["status"] == "ok" and health["database"] == "ok"
    assert health["workers"] == 8 and health["queued"] == 0 and health["push_fallback"] is False
    async with line.session.head(line.base + HEALTH_PATH) as response:
        assert response.status == 200


async def test_health_says_unavailable_while_stopping(line):
    line.runtime.dispatcher.accepting = False
    async with line.session.get(line.base + HEALTH_PATH) as response:
        assert response.status == 503
        assert (await response.json())["status"] == "unavailable"
    line.runtime.dispatcher.accepting = True


async def test_secrets_never_reach_the_log(app, fake, caplog):
    caplog.set_level(logging.DEBUG)
    async with running_line(app, fake, push_fallback=True) as line:
        user = lf.user_id("log-watcher")
        expired = lf.text(user, "宇部のドコモ")
        fake.expire(expired["replyToken"])
        fake.fail("reply", 500)
        await line.send(lf.text(user, "防府のドコモ"))
        await line.post(expired)
        await line.post(lf.text(user, "x"), signature=lf.signature(b"other", SECRET))
        await line.post(raw=b"{}")
        await line.idle()
        async with line.session.get(line.base + HEALTH_PATH) as response:
            health = await response.text()
        assert repr(line.runtime.config).count(SECRET) == 0
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the run above logs something at DEBUG"
    for secret in (SECRET, fake.access_token):
        assert secret not in logged
        assert secret not in health
    # the signature a request carried is not logged either
    assert lf.signature(b"other", SECRET) not in logged
