"""What staff do with broadcasts: the preview is what is sent, the confirm stores it, each
action is checked for the municipality and audited; digests list only upcoming real
classes; scheduled broadcasts survive a restart and go at their time."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.scheduler import Scheduler
from bot.broadcast.service import BroadcastRefused, BroadcastService
from bot.broadcast.texts import preview_text, report_text
from bot.classes.model import ClassSession
from bot.clock import TOKYO, FixedClock
from bot.staff.guard import NotPermitted, StaffGuard
from bot.staff.roles import StaffDirectory
from bot.store.audit import AuditLog
from bot.store.backend import open_database
from bot.store.broadcasts import BroadcastStore
from bot.store.bundle import Stores
from bot.store.classes import ClassStore
from tests.conftest import NOW
from tests.support.broadcast_fake import FakeSender
from tests.support.staff import subscribe, write_staff

UBE = dict(
    prefecture="山口県",
    municipality="宇部市",
    venue="ドコモショップフジグラン宇部店",
    phone="0120-173-053",
    address="宇部市明神町3-1-1",
)


@pytest.fixture
def guard_for(tmp_path):
    staff = StaffDirectory.load(write_staff(tmp_path))
    return lambda db: StaffGuard(staff, AuditLog(db))


@pytest.fixture
def service(db, knowledge, guard_for, stores):
    return BroadcastService(stores, knowledge, guard_for(db), clock=FixedClock(NOW))


async def audit(db) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["outcome"]) for e in reversed(await AuditLog(db).entries())]


async def test_preview_confirm_send_report_and_audit(db, service, stores):
    await subscribe(db, "宇部市", ["fake:1", "fake:2", "line:U1"])
    sender = FakeSender()
    preview = await service.preview(
        "cli:ube", "宇部市", text="  12月の講習会のお知らせです  ", senders={"fake": sender}
    )
    assert preview.text == "12月の講習会のお知らせです" and preview.recipients == {"fake": 2, "line": 1}
    assert preview.unsendable == {"line": "送信設定がありません"}
    shown = preview_text(service.knowledge, preview)
    assert "現在の受信者: 3人" in shown and "12月の講習会のお知らせです" in shown and "LINE" in shown
    assert await BroadcastStore(db).list() == []  # a preview stores nothing
    bid = await service.confirm(preview)
    report = await service.send("cli:ube", bid, BroadcastEngine(stores, {"fake": sender}))
    assert (report.sent, report.failed) == (2, 1)
    text = report_text(service.knowledge, report)
    assert "送信 2人、失敗 1人、ブロック 0人（対象 3人" in text and "--retry-failed" in text
    assert "sent 2, failed 1, blocked 0 of 3" in report_text(service.knowledge, report, "en")
    entries = await audit(db)
    assert [a for _, a, _ in entries] == ["broadcast.confirm", "broadcast.send"]
    assert entries[-1][2].startswith("done: total=3 sent=2 failed=1")


async def test_a_municipal_member_cannot_broadcast_to_another_city(db, service, stores):
    await subscribe(db, "下関市", ["fake:1"])
    with pytest.raises(NotPermitted) as exc:
        await service.preview("cli:ube", "下関市", text="x")
    assert "下関市" in str(exc.value)
    bid = await BroadcastStore(db).create("cli:admin", "下関市", "text", "x")
    with pytest.raises(NotPermitted):
        await service.send("cli:ube", bid, BroadcastEngine(stores, {"fake": FakeSender()}))
    with pytest.raises(NotPermitted):
        await service.cancel("cli:ube", bid)
    with pytest.raises(NotPermitted):
        await service.preview("cli:support", "宇部市", text="x")
    with pytest.raises(NotPermitted):
        await service.preview("telegram:12345", "宇部市", text="x")
    assert [(actor, outcome) for actor, _, outcome in await audit(db)] == [
        ("cli:ube", "denied"),
        ("cli:ube", "denied"),
        ("cli:ube", "denied"),
        ("cli:support", "denied"),
        ("telegram:12345", "denied"),
    ]
    assert (await BroadcastStore(db).get(bid)).status == "ready"


async def test_what_cannot_be_broadcast(db, service):
    await subscribe(db, "宇部市", ["fake:1"])
    for kwargs, words in [
        (dict(municipality="広島市", text="x"), "市町ではありません"),
        (dict(municipality="宇部市", text="   "), "空"),
        (dict(municipality="宇部市", text="あ" * 4001), "長すぎます"),
        (dict(municipality="宇部市", digest=True), "講座が登録されていません"),
        (dict(municipality="宇部市", text="x", send_at=NOW - timedelta(minutes=1)), "過去"),
        (dict(municipality="萩市", text="x"), "受信者 0人"),
    ]:
        with pytest.raises(BroadcastRefused) as exc:
            await service.preview("cli:admin", **kwargs)
        assert words in str(exc.value), kwargs


async def test_a_digest_lists_upcoming_real_classes_only(db, service):
    today = NOW.date()
    await ClassStore(db).upsert_many(
        [
            ClassSession(**UBE, day=today, start="08:00", level="入門", title="もう始まった講座"),
            ClassSession(**UBE, day=today, start="10:30", level="入門", title="今日の講座", seats_left=2),
            ClassSession(
                **UBE,
                day=today + timedelta(days=3),
                start="13:00",
                level="活用",
                title="マイナンバーカードの申請",
                bring="マイナンバーカード",
                seats_left=0,
            ),
            ClassSession(**UBE, day=today + timedelta(days=4), start="13:00", level="入門", title="見本", sample=True),
            ClassSession(**UBE, day=today + timedelta(days=30), start="13:00", level="入門", title="先の講座"),
        ]
    )
    await subscribe(db, "宇部市", ["fake:1"])
    preview = await service.preview("cli:ube", "宇部市", digest=True)
    text = preview.text
    assert preview.kind == "digest" and text.startswith("【宇部市】スマホ講習会のお知らせ（参加無料）")
    assert "今日の講座" in text and "残り2席" in text and "満席です" in text and "持ち物：マイナンバーカード" in text
    assert "11月26日（木）10:30～" in text
    for absent in ("もう始まった講座", "見本", "先の講座"):
        assert absent not in text
    assert "お知らせをやめる" in text


async def test_a_scheduled_broadcast_survives_a_restart_and_goes_at_its_time(db_target, knowledge, guard_for):
    path = db_target
    db = await open_database(path).open()
    await subscribe(db, "宇部市", ["fake:1", "fake:2"])
    at = datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)
    service = BroadcastService(Stores.over(db), knowledge, guard_for(db), clock=FixedClock(NOW))
    bid = await service.confirm(await service.preview("cli:ube", "宇部市", text="明日のお知らせ", send_at=at))
    assert (await BroadcastStore(db).get(bid)).status == "scheduled"
    await db.close()  # the bot stops …

    db = await open_database(path).open()  # … and starts again
    await subscribe(db, "宇部市", ["fake:3"])  # subscribed before the time: receives it
    sender = FakeSender()
    early = await Scheduler(Stores.over(db), {"fake": sender}, clock=FixedClock(at - timedelta(minutes=1))).tick()
    assert early.reports == [] and sender.calls == []
    tick = await Scheduler(Stores.over(db), {"fake": sender}, clock=FixedClock(at)).tick()
    (report,) = tick.reports
    assert report.finished and sorted(sender.sent_keys()) == ["fake:1", "fake:2", "fake:3"]
    assert (await BroadcastStore(db).get(bid)).status == "done"
    again = await Scheduler(Stores.over(db), {"fake": sender}, clock=FixedClock(at + timedelta(hours=1))).tick()
    assert again.reports == [] and len(sender.calls) == 3
    assert ("system:scheduler", "broadcast.send") in [(a, b) for a, b, _ in await audit(db)]
    await db.close()


async def test_a_scheduled_broadcast_can_be_cancelled(db, service, stores):
    await subscribe(db, "宇部市", ["fake:1"])
    at = NOW + timedelta(days=1)
    bid = await service.confirm(await service.preview("cli:ube", "宇部市", text="x", send_at=at))
    assert await service.cancel("cli:ube", bid)
    tick = await Scheduler(stores, {"fake": FakeSender()}, clock=FixedClock(at + timedelta(minutes=1))).tick()
    assert tick.reports == [] and (await BroadcastStore(db).get(bid)).status == "cancelled"
    assert not await service.cancel("cli:ube", bid)


async def test_the_scheduler_resumes_a_broadcast_whose_process_died(db, stores):
    import socket
    import subprocess
    import sys

    await subscribe(db, "宇部市", ["fake:1", "fake:2"])
    store = BroadcastStore(db)
    bid = await store.create("cli:admin", "宇部市", "text", "x")
    await store.start(bid)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    await store.acquire(bid, f"{socket.gethostname()}:{proc.pid}:gone", 1e12, 30.0)
    claimed = await store.claim(bid, "fake", 1, 0.0)  # it was sending this one when it died
    sender = FakeSender()
    tick = await Scheduler(stores, {"fake": sender}, clock=FixedClock(NOW)).tick()
    (report,) = tick.reports
    assert report.finished and report.resent == 1 and sorted(sender.sent_keys()) == ["fake:1", "fake:2"]
    assert claimed[0][0] == "fake:1"


async def test_visible_broadcasts_are_those_of_ones_own_cities(db, service):
    store = BroadcastStore(db)
    await store.create("cli:admin", "宇部市", "text", "ube")
    await store.create("cli:admin", "山口市", "text", "yamaguchi")
    assert [r.text for r in await service.visible("cli:ube")] == ["ube"]
    assert [r.text for r in await service.visible("cli:admin")] == ["yamaguchi", "ube"]


def test_a_stop_before_the_first_send_sends_nothing_and_pauses(db_target):
    async def go():
        db = await open_database(db_target).open()
        await subscribe(db, "宇部市", [f"fake:{i}" for i in range(20)])
        bid = await BroadcastStore(db).create("cli:admin", "宇部市", "text", "x")
        stop = asyncio.Event()
        stop.set()
        report = await BroadcastEngine(Stores.over(db), {"fake": FakeSender()}).run(bid, stop=stop)
        await db.close()
        return report

    report = asyncio.run(go())
    assert not report.finished and report.sent == 0 and report.pending == 20


async def test_a_senders_preflight_warning_is_in_the_preview(db, service):
    await subscribe(db, "宇部市", ["line:U1", "line:U2"])

    class QuotaLine(FakeSender):
        async def preflight(self, count: int) -> str | None:
            return f"今月の残りは1通です（{count}通必要）" if count > 1 else None

    preview = await service.preview("cli:ube", "宇部市", text="x", senders={"line": QuotaLine(channel="line")})
    assert preview.warnings == {"line": "今月の残りは1通です（2通必要）"}
    assert "注意（LINE）: 今月の残りは1通です" in preview_text(service.knowledge, preview)
