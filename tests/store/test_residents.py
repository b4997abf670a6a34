"""Residents as recipients: subscribe, see and stop subscriptions, /forget deletes every row
about them — conversations, subscriptions, reminders and broadcast delivery records — and
blocked residents are never recipients."""

from __future__ import annotations

from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.reminders import due_at
from bot.messages import IncomingMessage
from bot.store.broadcasts import BroadcastStore
from bot.store.reminders import ReminderStore
from bot.store.residents import ResidentStore
from bot.store.schedule import ScheduleStore
from tests.support.broadcast_fake import FakeSender
from tests.support.conversations import visible

USER = "fake:resident"


async def press(app, data, user=USER):
    return await app.engine.handle(IncomingMessage(user, postback=data))


async def say(app, text, user=USER):
    return await app.engine.handle(IncomingMessage(user, text=text))


async def count_rows(app, user=USER) -> dict[str, int]:
    await app.engine.conversations.flush()  # conversation states are written in batches
    out = {}
    for table in ("conversations", "subscriptions", "residents", "reminders", "deliveries"):
        async with app.db.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE user_key = ?", (user,)) as cur:
            (out[table],) = await cur.fetchone()
    return out


async def test_subscribe_to_several_cities_see_them_and_unsubscribe(app):
    residents = ResidentStore(app.db)
    assert "登録しました" in visible(await press(app, "sub:宇部市"))
    assert "登録しました" in visible(await press(app, "sub:山口市"))
    assert "すでに登録されています" in visible(await press(app, "sub:宇部市"))
    assert {s.municipality for s in await residents.subscriptions(USER)} == {"宇部市", "山口市"}
    assert [s.user_key for s in await residents.recipients("宇部市")] == [USER]
    replies = await press(app, "intent:unsubscribe")
    assert "宇部市" in visible(replies) and "山口市" in visible(replies)  # they see what they get
    assert "やめました" in visible(await press(app, "unsub:宇部市"))
    assert [s.municipality for s in await residents.subscriptions(USER)] == ["山口市"]
    assert await residents.recipients("宇部市") == []
    assert "やめました" in visible(await press(app, "unsub:*"))
    assert await residents.subscriptions(USER) == []


async def test_forget_deletes_every_row_about_the_resident(app):
    await press(app, "sub:宇部市")
    c = (await ScheduleStore(app.db).in_month(["宇部市"], "2026-12", include_samples=True))[0]
    await ReminderStore(app.db).add(USER, c.id, due_at(c))
    bid = await BroadcastStore(app.db).create("cli:admin", "宇部市", "text", "お知らせ")
    await BroadcastEngine(app.stores, {"fake": FakeSender()}).run(bid)
    assert await count_rows(app) == {
        "conversations": 1,
        "subscriptions": 1,
        "residents": 1,
        "reminders": 1,
        "deliveries": 1,
    }
    replies = await say(app, "私の情報を消して")
    assert any(b.data == "forget:yes" for r in replies for b in r.buttons)
    await press(app, "forget:yes")
    assert await count_rows(app) == {
        "conversations": 0,
        "subscriptions": 0,
        "residents": 0,
        "reminders": 0,
        "deliveries": 0,
    }
    (row,) = await BroadcastStore(app.db).list()
    assert row.status == "done"  # the broadcast itself stays; nothing in it names the resident


async def test_forget_through_the_engine_api_as_channels_call_it(app):
    await press(app, "sub:宇部市")
    c = (await ScheduleStore(app.db).in_month(["宇部市"], "2026-12", include_samples=True))[0]
    await ReminderStore(app.db).add(USER, c.id, due_at(c))
    await app.engine.forget(USER)
    assert set((await count_rows(app)).values()) == {0}


async def test_a_blocked_resident_is_never_a_recipient_until_they_come_back(app):
    residents = ResidentStore(app.db)
    await press(app, "sub:宇部市")
    await residents.set_blocked(USER, True)  # the channel saw an unfollow / Forbidden
    assert await residents.recipients("宇部市") == []
    bid = await BroadcastStore(app.db).create("cli:admin", "宇部市", "text", "お知らせ")
    sender = FakeSender()
    assert (await BroadcastEngine(app.stores, {"fake": sender}).run(bid)).total == 0 and sender.calls == []
    await press(app, "sub:宇部市")  # subscribing again means they are back
    assert [s.user_key for s in await residents.recipients("宇部市")] == [USER]
