"""The LINE sender of the broadcast engine, against the fake LINE API with line-bot-sdk's
real async client: multicasts of ≤ 500 with a retry key each, 409 counted as sent, 429/5xx
as retry, 400 as failed, the monthly quota warned of, and a real engine run recorded."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC
from types import SimpleNamespace

import pytest

from bot.broadcast.engine import Backoff, BroadcastEngine
from bot.broadcast.sender import Result, Status
from bot.broadcast.senders import SenderUnavailable
from bot.broadcast.shortfall import Shortfall
from bot.channels.line.sender import LineSender, make_sender
from bot.store.backend import open_database
from bot.store.broadcasts import BroadcastStore
from bot.store.bundle import Stores
from tests.support import line_fake as lf
from tests.support.staff import subscribe

NEWS = "宇部市で新しいスマホ教室があります。予約・問い合わせ：電話 0120-173-053"


def keys(n: int, prefix: str = "u") -> list[str]:
    return [f"line:{lf.user_id(f'{prefix}{i}')}" for i in range(n)]


@pytest.fixture
def sender(api) -> LineSender:
    return LineSender(api)


def test_the_limits_the_engine_paces_by(sender):
    assert (sender.channel, sender.max_batch, sender.rate_per_s, sender.concurrency, sender.per_recipient_interval) == (
        "line",
        500,
        150.0,
        4,
        None,
    )


async def test_1200_recipients_go_in_3_calls_of_at_most_500_with_retry_keys(sender, fake):
    users = keys(1200)
    answer = await sender.send(users, NEWS, key="madoguchi-broadcast-1-abc")
    assert set(answer) == set(users) and all(r.status == Status.SENT for r in answer.values())
    calls = fake.to("multicast")
    assert sorted(len(c.body["to"]) for c in calls) == [200, 500, 500]
    assert sorted(u for c in calls for u in c.body["to"]) == sorted(k.removeprefix("line:") for k in users)
    retry_keys = [c.retry_key for c in calls]
    assert len(set(retry_keys)) == 3 and all(str(uuid.UUID(k)) == k for k in retry_keys)
    assert all(c.messages == [{"type": "text", "text": NEWS}] for c in calls)
    assert fake.used == 1200


async def test_the_retry_key_is_a_uuid_derived_from_the_batch_key(sender, fake):
    await sender.send(keys(3), NEWS, key="k1")
    await sender.send(keys(3, "v"), NEWS, key="k2")
    first, second = [c.retry_key for c in fake.to("multicast")]
    assert first != second and uuid.UUID(first).version == 5


async def test_a_500_is_retry_and_the_retry_is_sent_with_the_same_key(sender, fake):
    users = keys(10)
    fake.fail("multicast", 500)
    answer = await sender.send(users, NEWS, key="b-500")
    assert {r.status for r in answer.values()} == {Status.RETRY}
    answer = await sender.send(users, NEWS, key="b-500")
    assert {r.status for r in answer.values()} == {Status.SENT}
    tries = fake.to("multicast", ok_only=False)
    assert [c.status for c in tries] == [500, 200] and tries[0].retry_key == tries[1].retry_key
    assert fake.used == 10


async def test_429_is_retry_with_retry_after_and_400_is_failed(sender, fake):
    fake.fail("multicast", 429, headers={"Retry-After": "3"})
    answer = await sender.send(keys(2), NEWS, key="b-429")
    assert {(r.status, r.retry_after) for r in answer.values()} == {(Status.RETRY, 3.0)}
    fake.fail("multicast", 400)
    answer = await sender.send(keys(2), NEWS, key="b-400")
    assert {r.status for r in answer.values()} == {Status.FAILED}
    assert "400" in next(iter(answer.values())).error


async def test_a_timeout_is_retry(api, fake):
    fake.slow("multicast", 0.5)
    answer = await LineSender(api, timeout=0.1).send(keys(2), NEWS, key="slow")
    assert {r.status for r in answer.values()} == {Status.RETRY}


async def test_a_resend_with_the_same_key_counts_as_sent(sender, fake):
    users = keys(5)
    await sender.send(users, NEWS, key="again")
    answer = await sender.send(users, NEWS, key="again")
    assert all(r == Result.sent() for r in answer.values())
    assert [c.status for c in fake.to("multicast", ok_only=False)] == [200, 409]
    assert fake.used == 5  # delivered once


async def test_a_key_that_is_not_line_fails_alone(sender, fake):
    answer = await sender.send(["telegram:1", "line:", *keys(1)], NEWS, key="mixed")
    assert answer["telegram:1"].status == answer["line:"].status == Status.FAILED
    assert answer[keys(1)[0]].status == Status.SENT
    assert [c.body["to"] for c in fake.to("multicast")] == [[keys(1)[0].removeprefix("line:")]]


async def test_the_quota_preflight_warns_with_the_numbers(sender, fake):
    assert await sender.preflight(10_000) is None  # no upper limit
    fake.quota, fake.used = 1000, 900
    assert await sender.preflight(250) == Shortfall(needed=250, remaining=100, limit=1000, used=900)
    assert await sender.preflight(100) is None


async def test_make_sender_reads_the_environment_and_keeps_secrets_out(fake):
    with pytest.raises(SenderUnavailable, match="LINE_CHANNEL_ACCESS_TOKEN") as refused:
        await make_sender(SimpleNamespace(), env={"LINE_CHANNEL_SECRET": "s3cr3t-value"})
    assert "s3cr3t-value" not in str(refused.value)
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": fake.access_token, "LINE_API_BASE_URL": fake.url}
    made = await make_sender(SimpleNamespace(rate=500), env=env)
    try:
        assert made.rate_per_s == 150.0
        assert (await made.send(keys(1), NEWS, key="env"))[keys(1)[0]].status == Status.SENT
        assert fake.to("multicast")[0].headers["Authorization"] == f"Bearer {fake.access_token}"
    finally:
        await made.close()


async def test_the_engine_sends_a_broadcast_through_line_and_records_every_delivery(sender, fake, db):
    users = keys(1200)
    await subscribe(db, "宇部市", users)
    store = BroadcastStore(db)
    bid = await store.create("cli:admin", "宇部市", "text", NEWS)
    fake.fail("multicast", 500)  # one batch fails once and is retried by the engine
    report = await BroadcastEngine(
        Stores.over(db), {"line": sender}, backoff=Backoff(base=0.001, cap=0.01, jitter=0.0)
    ).run(bid)
    assert (report.total, report.sent, report.failed, report.blocked, report.pending) == (1200, 1200, 0, 0, 0)
    assert report.finished and (await store.get(bid)).status == "done"
    rows = await store.deliveries(bid, limit=5000)
    assert len(rows) == 1200 and {r["status"] for r in rows} == {"sent"}
    delivered = Counter(u for c in fake.to("multicast") for u in c.body["to"])
    assert delivered == Counter(k.removeprefix("line:") for k in users)  # everyone once
    assert all(len(c.body["to"]) <= 500 for c in fake.to("multicast", ok_only=False))
    assert [c.status for c in fake.to("multicast", ok_only=False)].count(500) == 1


async def test_madoguchi_line_runs_the_scheduler_and_tells_support_while_it_serves(db_target, fake, monkeypatch):
    """The ``madoguchi line`` start-up: a due scheduled broadcast goes out through this sender
    while the webhook serves — and to its Telegram subscribers through Telegram's sender,
    configured in the same environment — the shop watcher tells support, and both stop on
    shutdown."""
    from datetime import datetime, timedelta

    from bot.channels.line import command, server
    from bot.channels.line.config import LineConfig
    from tests.support.telegram_fake import TOKEN, FakeRequest, FakeTelegram

    db_path = db_target
    database = await open_database(db_path).open()
    users = keys(3)
    await subscribe(database, "宇部市", users)
    await subscribe(database, "宇部市", ["telegram:501", "telegram:502"])
    past = datetime.now(UTC) - timedelta(minutes=1)
    bid = await BroadcastStore(database).create("cli:admin", "宇部市", "text", NEWS, send_at=past)
    await database.close()
    monkeypatch.delenv("MADOGUCHI_STAFF", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    telegram = FakeTelegram()
    seen = {}

    stop = asyncio.Event()

    class Webhook:  # stands in for the webhook server: stops the runtime once both channels delivered
        def __init__(self, bot, config, host, port, path, workers, sender):
            self.bot, self.senders = bot, {"line": sender}

        async def start(self):
            asyncio.get_running_loop().create_task(self.delivered())

        async def delivered(self):
            await fake.wait_for(lambda: fake.to("multicast"), timeout=10)
            for _ in range(500):  # the Telegram deliveries of the same broadcast
                if len(telegram.messages()) == 2:
                    break
                await asyncio.sleep(0.02)
            seen["on_error"] = self.bot.shop_watcher.on_error
            seen["app"] = self.bot
            stop.set()

        async def stop(self):
            await self.senders["line"].close()

    monkeypatch.setattr(server, "LineService", Webhook)
    config = LineConfig("secret", fake.access_token, fake.url)
    args = SimpleNamespace(
        db=db_path,
        knowledge=None,
        shops=None,
        demo=False,
        host="127.0.0.1",
        port=0,
        path="/callback",
        workers=1,
        telegram_request=FakeRequest(telegram),
    )
    assert await command._main(args, config, stop=stop) == 0
    assert seen["on_error"] is not None and seen["app"]._watching is None  # watching stopped
    assert sorted(fake.to("multicast")[0].body["to"]) == sorted(k.removeprefix("line:") for k in users)
    assert sorted(c.chat_id for c in telegram.messages()) == [501, 502]
    assert all(c.params["text"] == NEWS for c in telegram.messages())
    database = await open_database(db_path).open()
    try:
        assert (await BroadcastStore(database).get(bid)).status == "done"
    finally:
        await database.close()
