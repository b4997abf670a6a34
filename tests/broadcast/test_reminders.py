"""Class reminders: a resident asks from the class listing, the reminder goes the day before
at 10:00 (Asia/Tokyo), never at night, survives a restart, and is cancelled when the class
is removed or the resident blocks the bot."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.broadcast.reminders import ReminderDispatcher, due_at, reminder_text
from bot.broadcast.sender import Result
from bot.classes.model import ClassSession
from bot.clock import TOKYO, FixedClock
from bot.messages import IncomingMessage
from bot.store.backend import open_database
from bot.store.bundle import Stores
from bot.store.classes import ClassStore
from bot.store.reminders import ReminderStore
from bot.store.residents import ResidentStore
from bot.store.schedule import ScheduleStore
from tests.conftest import NOW
from tests.support.broadcast_fake import FakeSender
from tests.support.conversations import visible

USER = "fake:r1"
CLASS = ClassSession(
    prefecture="山口県",
    municipality="宇部市",
    venue="ドコモショップフジグラン宇部店",
    phone="0120-173-053",
    address="宇部市明神町3-1-1",
    day=date(2026, 11, 30),
    start="10:30",
    end="11:30",
    level="入門",
    title="はじめてのスマートフォン",
    bring="スマートフォン",
)
DUE = datetime(2026, 11, 29, 10, 0, tzinfo=TOKYO)


async def press(app, data, user=USER):
    return await app.engine.handle(IncomingMessage(user, postback=data))


async def a_class(db, c: ClassSession = CLASS) -> ClassSession:
    await ClassStore(db).upsert_many([c])
    return (await ScheduleStore(db).by_keys([c.natural_key]))[c.natural_key]


def test_the_day_before_at_ten_in_tokyo(knowledge):
    assert due_at(CLASS) == DUE
    assert due_at(CLASS).utcoffset() == timedelta(hours=9)
    text = reminder_text(knowledge, CLASS)
    assert text.startswith("【講座のお知らせ】明日 11月30日（月）10:30～11:30 に")
    assert "0120-173-053" in text and "持ち物：スマートフォン" in text and "予約" in text
    assert reminder_text(knowledge, CLASS, "en").startswith("Reminder: your smartphone class is tomorrow, Mon 30 Nov")


async def test_a_resident_asks_from_the_class_listing(app):
    today = await app.engine.handle(IncomingMessage(USER, text="今日の宇部のスマホ教室"))
    assert "スマホ教室" in visible(today) and not [b for r in today for b in r.buttons if b.data.startswith("remind:")]
    replies = await app.engine.handle(IncomingMessage(USER, text="来週の宇部のスマホ教室"))
    buttons = [b for r in replies for b in r.buttons if b.data.startswith("remind:")]
    assert buttons and all("前日にお知らせ" in b.label for b in buttons)
    labels = [b.label for b in replies[-1].buttons]
    assert labels[-1] == "メニュー"  # the menu stays last; the first buttons keep their numbers
    replies = await press(app, buttons[0].data)
    assert "前日" in visible(replies) and "10時ごろにお知らせします" in visible(replies)
    class_id = int(buttons[0].data.split(":")[1])
    c = await ScheduleStore(app.db).get(class_id)
    (reminder,) = await ReminderStore(app.db).of_user(USER)
    assert (reminder.class_id, reminder.due_at) == (class_id, due_at(c))
    replies = await press(app, buttons[0].data)
    assert "もう設定されています" in visible(replies)
    assert len(await ReminderStore(app.db).of_user(USER)) == 1
    cancel = next(b for r in replies for b in r.buttons if b.data.startswith("remind:cancel:"))
    assert "取り消しました" in visible(await press(app, cancel.data))
    assert await ReminderStore(app.db).of_user(USER) == []
    assert "取り消すお知らせはありません" in visible(await press(app, cancel.data))


async def test_too_late_gone_and_forged_reminder_buttons(app):
    today = NOW.date()
    soon = await a_class(app.db, ClassSession(**{**CLASS.__dict__, "id": None, "day": today, "start": "15:00"}))
    replies = await press(app, f"remind:{soon.id}")
    assert "間に合いません" in visible(replies) and soon.phone in visible(replies)
    assert await ReminderStore(app.db).of_user(USER) == []
    assert "見つかりません" in visible(await press(app, "remind:999999"))
    for data in ("remind:abc", "remind:cancel:x", "remind:"):
        assert "使えなくなりました" in visible(await press(app, data)), data


async def test_sent_the_day_before_not_earlier_and_survives_a_restart(db_target):
    path = db_target
    db = await open_database(path).open()
    c = await a_class(db)
    assert await ReminderStore(db).add(USER, c.id, due_at(c))
    sender = FakeSender()
    assert (
        await ReminderDispatcher(
            Stores.over(db), {"fake": sender}, clock=FixedClock(DUE - timedelta(minutes=1))
        ).run_due()
        == {}
    )
    await db.close()  # restart
    db = await open_database(path).open()
    counts = await ReminderDispatcher(
        Stores.over(db), {"fake": sender}, clock=FixedClock(DUE + timedelta(seconds=30))
    ).run_due()
    assert counts == {"sent": 1}
    (call,) = sender.calls
    assert call.keys == [USER] and "はじめてのスマートフォン" in call.text
    assert (
        await ReminderDispatcher(
            Stores.over(db), {"fake": sender}, clock=FixedClock(DUE + timedelta(hours=1))
        ).run_due()
        == {}
    )
    assert (await ReminderStore(db).counts()) == {"sent": 1}
    await db.close()


async def test_never_at_night_a_bot_down_overnight_waits_for_the_morning(db, stores):
    c = await a_class(db, ClassSession(**{**CLASS.__dict__, "start": "15:00"}))
    await ReminderStore(db).add(USER, c.id, due_at(c))
    sender = FakeSender()
    night = datetime(2026, 11, 30, 3, 0, tzinfo=TOKYO)  # the bot was down from before 10:00 the day before
    assert await ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(night)).run_due() == {"waiting": 1}
    assert (
        await ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(night + timedelta(hours=4))).run_due() == {}
    )
    morning = datetime(2026, 11, 30, 8, 0, tzinfo=TOKYO)
    assert await ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(morning)).run_due() == {"sent": 1}


async def test_too_late_to_send_is_expired(db, stores):
    c = await a_class(db)
    await ReminderStore(db).add(USER, c.id, due_at(c))
    after_start = datetime(2026, 11, 30, 10, 31, tzinfo=TOKYO)
    assert await ReminderDispatcher(stores, {"fake": FakeSender()}, clock=FixedClock(after_start)).run_due() == {
        "expired": 1
    }


async def test_a_removed_class_cancels_its_reminders(db, stores):
    c = await a_class(db)
    store = ReminderStore(db)
    await store.add(USER, c.id, due_at(c))
    await ScheduleStore(db).remove([c.id])
    assert (await store.of_user(USER, ("cancelled",)))[0].last_error == "class removed"
    sender = FakeSender()
    assert await ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(DUE)).run_due() == {}
    assert sender.calls == []


async def test_blocked_residents_and_retries(db, stores):
    c = await a_class(db)
    store = ReminderStore(db)
    await store.add(USER, c.id, due_at(c))
    await store.add("fake:r2", c.id, due_at(c))
    await ResidentStore(db).set_blocked(USER, True)
    sender = FakeSender(outcomes={"fake:r2": [Result.retry("timeout"), Result.sent()]})
    dispatcher = ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(DUE))
    assert await dispatcher.run_due() == {"cancelled": 1, "retry": 1}
    later = ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(DUE + timedelta(hours=2)))
    assert await later.run_due() == {"sent": 1}
    assert [k for call in sender.calls for k in call.keys] == ["fake:r2", "fake:r2"]


async def test_a_reminder_left_sending_by_a_crash_goes_again(db, stores):
    c = await a_class(db)
    store = ReminderStore(db)
    await store.add(USER, c.id, due_at(c))
    (claimed,) = await store.claim_due(DUE)  # the process died right after this
    sender = FakeSender()
    assert await ReminderDispatcher(stores, {"fake": sender}, clock=FixedClock(DUE)).run_due() == {"sent": 1}
    assert claimed.status == "sending"


async def test_only_the_channels_this_process_can_send_on(db, stores):
    c = await a_class(db)
    await ReminderStore(db).add("line:U1", c.id, due_at(c))
    assert await ReminderDispatcher(stores, {"fake": FakeSender()}, clock=FixedClock(DUE)).run_due() == {}
    line = FakeSender(channel="line")
    assert await ReminderDispatcher(stores, {"line": line}, clock=FixedClock(DUE)).run_due() == {"sent": 1}
