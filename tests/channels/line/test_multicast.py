"""Class news on LINE: multicast batches of ≤ 500 with a retry key each, retries on
429/5xx/timeouts, and the monthly quota checked before anything is sent."""

from __future__ import annotations

import time
import uuid

import pytest
from linebot.v3.messaging import TextMessage

from bot.channels.line.multicast import Multicaster, MulticastReport, QuotaExceeded, line_recipients
from bot.channels.line.render import render
from bot.channels.line.retry import Backoff
from bot.messages import Button, Link, Reply
from bot.store.residents import ResidentStore
from tests.channels.line.conftest import Sleeps
from tests.support import line_fake as lf

NEWS = [TextMessage(text="宇部市で新しいスマホ教室があります。予約・問い合わせ：電話 0120-173-053")]


def users(n: int, prefix: str = "u") -> list[str]:
    return [lf.user_id(f"{prefix}{i}") for i in range(n)]


def multicaster(api, **kw) -> Multicaster:
    kw.setdefault("backoff", Backoff.immediate())
    kw.setdefault("max_rps", None)
    return Multicaster(api, **kw)


async def test_batches_of_500_each_with_its_own_retry_key(api, fake):
    ids = users(1234)
    report = await multicaster(api).send(ids + ids[:10], NEWS, broadcast_id="b1")  # duplicates sent once
    assert report == MulticastReport(recipients=1234, batches=3, sent=1234, seconds=report.seconds)
    calls = fake.to("multicast")
    assert sorted(len(c.body["to"]) for c in calls) == [234, 500, 500]
    assert sorted(u for c in calls for u in c.body["to"]) == sorted(ids)
    keys = [c.retry_key for c in calls]
    assert len(set(keys)) == 3 and all(str(uuid.UUID(k)) == k for k in keys)
    assert all(c.messages == [m.to_dict() for m in NEWS] for c in calls)
    assert [c.endpoint for c in fake.calls[:2]] == ["quota", "consumption"]  # checked first
    assert fake.used == 1234


async def test_sending_the_same_broadcast_again_sends_nothing_twice(api, fake):
    ids = users(1200)
    first = await multicaster(api).send(ids, NEWS, broadcast_id="news-2026-11")
    again = await multicaster(api).send(ids, NEWS, broadcast_id="news-2026-11")
    assert (first.sent, first.already_sent) == (1200, 0)
    assert (again.sent, again.already_sent, again.delivered) == (0, 1200, 1200)
    assert fake.used == 1200
    other = await multicaster(api).send(ids[:5], NEWS, broadcast_id="another")
    assert other.sent == 5


async def test_5xx_429_and_timeouts_are_retried_with_backoff(api, fake):
    sleeps = Sleeps()
    fake.fail("multicast", 500)
    fake.fail("multicast", 429)
    fake.fail("multicast", 502)
    m = multicaster(api, concurrency=1, backoff=Backoff(attempts=5, base=0.5, factor=2, jitter=0, sleep=sleeps))
    report = await m.send(users(600), NEWS, broadcast_id="b")
    assert (report.sent, report.failed) == (600, [])
    statuses = [c.status for c in fake.to("multicast", ok_only=False)]
    assert statuses == [500, 429, 502, 200, 200]
    assert sleeps == [0.5, 1.0, 2.0]
    first_batch = fake.to("multicast", ok_only=False)[:4]
    assert len({c.retry_key for c in first_batch}) == 1  # the same key on every try


async def test_a_timed_out_batch_is_retried_and_delivered_once(api, fake):
    fake.slow("multicast", 0.6)
    report = await multicaster(api, timeout=0.2, concurrency=1).send(users(10), NEWS, broadcast_id="slow")
    await fake.wait_for(lambda: len(fake.to("multicast", ok_only=False)) == 2, timeout=5)
    assert report.delivered == 10 and report.failed == []
    assert sorted(c.status for c in fake.to("multicast", ok_only=False)) == [200, 409]
    assert fake.used == 10


async def test_a_batch_that_fails_for_good_is_reported_and_the_rest_go(api, fake):
    fake.fail("multicast", 500, times=5)  # the first batch's five tries
    ids = users(700)
    report = await multicaster(api, concurrency=1).send(ids, NEWS, broadcast_id="b")
    assert report.sent == 200 and sorted(report.failed) == sorted(ids[:500])
    fake.fail("multicast", 400, "The request body has 1 error(s)")
    report = await multicaster(api, concurrency=1).send(users(3, "v"), NEWS, broadcast_id="c")
    assert len(report.failed) == 3 and len(fake.to("multicast", ok_only=False)) == 5 + 1 + 1  # 400: no retry


async def test_the_quota_refuses_a_broadcast_that_does_not_fit(api, fake):
    fake.quota, fake.used = 1000, 400
    with pytest.raises(QuotaExceeded) as refused:
        await multicaster(api).send(users(601), NEWS, broadcast_id="big")
    message = str(refused.value)
    for number in ("601", "600", "1,000", "400"):
        assert number in message
    assert (refused.value.needed, refused.value.quota.remaining) == (601, 600)
    assert fake.to("multicast", ok_only=False) == []  # nothing was sent
    report = await multicaster(api).send(users(600), NEWS, broadcast_id="fits")
    assert report.sent == 600 and fake.used == 1000


async def test_no_quota_limit(api, fake):
    fake.quota = None
    quota = await multicaster(api).check_quota(10**9)
    assert quota.limit is None and quota.remaining is None


async def test_the_monthly_limit_429_is_not_retried(api, fake):
    fake.quota, fake.used = 10, 0
    report = await multicaster(api).send(users(20), NEWS, broadcast_id="over", check_quota=False)
    assert len(report.failed) == 20
    assert len(fake.to("multicast", ok_only=False)) == 1


async def test_the_request_rate_is_limited(api, fake):
    started = time.perf_counter()
    await multicaster(api, batch_size=10, max_rps=50, concurrency=4).send(users(100), NEWS, broadcast_id="rate")
    assert time.perf_counter() - started >= 9 / 50 * 0.9  # 10 requests at 50/s: 9 intervals


async def test_rendered_replies_go_out_within_line_limits(api, fake):
    reply = Reply(
        "宇部市の新しいスマホ教室",
        buttons=[Button("宇部市のスマホ教室", "classes:宇部市")],
        links=[Link("電話する：ドコモショップ 0120-173-053", "tel:0120173053")],
    )
    report = await multicaster(api).send(users(3), render([reply]), broadcast_id="r")
    assert report.sent == 3
    (call,) = fake.to("multicast")
    assert lf.problems(call.messages) == []
    assert "tel:0120173053" in lf.visible(call.messages)


async def test_bad_arguments():
    with pytest.raises(ValueError):
        Multicaster(api=None, batch_size=501)
    with pytest.raises(ValueError):
        await Multicaster(api=None).send(["U1"], [], broadcast_id="x")


async def test_recipients_are_line_subscribers_who_have_not_blocked(app):
    residents = ResidentStore(app.db)
    a, b, c = (lf.user_id(n) for n in "abc")
    await residents.subscribe(f"line:{a}", "宇部市")
    await residents.subscribe(f"line:{b}", "宇部市")
    await residents.subscribe(f"line:{c}", "防府市")
    await residents.subscribe("telegram:42", "宇部市")
    await residents.set_blocked(f"line:{b}", True)
    assert await line_recipients(residents, "宇部市") == [a]
    assert await line_recipients(residents, "防府市") == [c]
