"""Staff on Telegram: /broadcast (preview, confirm, delivery by the shared broadcast engine with
every delivery recorded, within Telegram's 30/s and 1/s per chat — by the engine's pacing
alone too — on deterministic virtual time, report), /reload of the
shop listing (a broken file keeps the old one), /stats — and "not permitted", audited,
for everyone else."""

from __future__ import annotations

import shutil

import pytest

from bot import config
from bot.channels.telegram.adapter import user_key
from bot.channels.telegram.settings import Limits
from bot.data.watch import watch_app
from bot.store.audit import AuditLog
from bot.store.residents import ResidentStore
from tests.channels.telegram.conftest import ADMIN, SUPPORT, UBE_STAFF

RESIDENT = 42


def preview_buttons(calls) -> list[str]:
    return [
        b["callback_data"]
        for c in calls
        if c.method == "sendMessage"
        for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]


async def deliveries(tg) -> list[tuple]:
    async with tg.app.db.conn.execute(
        "SELECT broadcast_id, user_key, channel, status FROM deliveries ORDER BY broadcast_id, user_key"
    ) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def audit(tg) -> list[tuple]:
    return [(e["actor"], e["action"], e["target"], e["outcome"]) for e in reversed(await AuditLog(tg.app.db).entries())]


async def test_a_resident_may_not_broadcast_and_the_attempt_is_audited(tg):
    await tg.say(50, "/subscribe 宇部市")
    calls = await tg.say(RESIDENT, "/broadcast 宇部市 明日は休みです")
    assert tg.api.visible(calls) == "この操作は許可されていません。"
    assert not any("明日は休みです" in t for t in tg.api.texts())
    assert await audit(tg) == [(f"telegram:{RESIDENT}", "broadcast", "宇部市", "denied")]


async def test_a_resident_gets_not_permitted_even_without_arguments(tg):
    assert tg.api.visible(await tg.say(RESIDENT, "/broadcast")) == "この操作は許可されていません。"
    assert (await audit(tg))[-1][3] == "denied"


async def test_municipal_staff_may_not_broadcast_to_another_city(tg):
    calls = await tg.say(UBE_STAFF, "/broadcast 防府市 お知らせ")
    assert tg.api.visible(calls) == "この操作は許可されていません。"
    assert (await audit(tg))[-1] == (f"telegram:{UBE_STAFF}", "broadcast", "防府市", "denied")


async def _subscribers_of_ube_and_hofu(tg) -> ResidentStore:
    """101-104 subscribed for 宇部市 (104 blocked the bot before, 103 blocks it unseen), 105 for
    防府市, and a LINE subscriber of 宇部市."""
    residents = ResidentStore(tg.app.db)
    for chat in (101, 102, 103, 104):
        await tg.say(chat, "/subscribe 宇部市")
    await tg.say(105, "/subscribe 防府市")
    await residents.subscribe("line:Uabc", "宇部市")  # another channel's subscriber
    await tg.send(tg.updates.my_chat_member(104, "member", "kicked"))  # blocked before: not a recipient
    tg.api.block(103)  # blocks the bot while we are not looking: found out at sending
    return residents


async def _previewed(tg, text: str) -> str:
    """The staff member's /broadcast: a preview that sends nothing; its send button's data."""
    calls = await tg.say(UBE_STAFF, f"/broadcast 宇部市 {text}")
    seen = tg.api.visible(calls)
    assert "【送信前の確認】" in seen and "3人" in seen and text in seen
    send, cancel = preview_buttons(calls)
    assert send.startswith("tgb:send:") and cancel.startswith("tgb:cancel:")
    assert not any(text in t for chat in (101, 102, 103) for t in tg.api.texts(chat))  # nothing sent yet
    return send


async def _sent_and_reported(tg, residents: ResidentStore, send: str, text: str) -> None:
    calls = await tg.press(UBE_STAFF, send)
    assert [c.method for c in calls][:2] == ["answerCallbackQuery", "editMessageReplyMarkup"]  # no second press
    assert "送信を始めました（3人）" in tg.api.visible(calls)
    await tg.settle()
    for chat in (101, 102):
        (news,) = [t for t in tg.api.texts(chat) if text in t]
        assert "/unsubscribe" in news
    assert not any(text in t for t in tg.api.texts(104) + tg.api.texts(105))
    report = tg.api.texts(UBE_STAFF)[-1]
    assert "完了しました" in report and "送信 2人、失敗 0人、ブロック 1人（対象 3人" in report
    assert await residents.is_blocked(user_key(103))
    assert await deliveries(tg) == [
        (1, user_key(101), "telegram", "sent"),
        (1, user_key(102), "telegram", "sent"),
        (1, user_key(103), "telegram", "blocked"),
    ]  # the LINE subscriber is not among them: a Telegram broadcast


async def test_staff_broadcast_end_to_end_preview_confirm_report(tg):
    residents = await _subscribers_of_ube_and_hofu(tg)
    text = "12月のスマホ教室の日程が出ました。\n宇部市役所で12月5日（土）10時から。"
    send = await _previewed(tg, text)
    await _sent_and_reported(tg, residents, send, text)

    again = await tg.press(UBE_STAFF, send)  # a second press sends nothing
    assert "すでに実行されたか" in tg.api.visible(again) or "もう実行されたか" in tg.api.visible(again)
    await tg.settle()
    assert sum(text in t for t in tg.api.texts(101)) == 1
    assert len(await deliveries(tg)) == 3  # and records nothing more
    outcomes = [a[3] for a in await audit(tg) if a[1] == "broadcast"]
    assert outcomes[0].startswith("preview") and outcomes[1].startswith("confirmed")
    assert outcomes[2].endswith("total=3 sent=2 failed=0 blocked=1 pending=0")
    assert [a[1] for a in await audit(tg) if a[1].startswith("broadcast.")] == ["broadcast.confirm", "broadcast.send"]


async def test_cancel_sends_nothing(tg):
    await tg.say(101, "/subscribe 宇部市")
    calls = await tg.say(ADMIN, "/broadcast 宇部市 テスト")
    _, cancel = preview_buttons(calls)
    assert "送信をやめました" in tg.api.visible(await tg.press(ADMIN, cancel))
    await tg.settle()
    assert not any("テスト" in t for t in tg.api.texts(101))


async def test_only_the_staff_member_who_previewed_may_confirm(tg):
    await tg.say(101, "/subscribe 宇部市")
    send, _ = preview_buttons(await tg.say(ADMIN, "/broadcast 宇部市 テスト"))
    assert "許可されていません" in tg.api.visible(await tg.press(RESIDENT, send))
    await tg.settle()
    assert not any("テスト" in t for t in tg.api.texts(101))
    assert "送信を始めました" in tg.api.visible(await tg.press(ADMIN, send))  # still pending for the admin


async def test_broadcast_usage_unknown_city_and_nobody_to_send_to(tg):
    assert "使い方" in tg.api.visible(await tg.say(ADMIN, "/broadcast"))
    assert "使い方" in tg.api.visible(await tg.say(ADMIN, "/broadcast 宇部市"))
    assert "見つかりません" in tg.api.visible(await tg.say(ADMIN, "/broadcast 東京都 テスト"))
    assert "いません" in tg.api.visible(await tg.say(ADMIN, "/broadcast 萩市 テスト"))
    await tg.say(101, "/subscribe 宇部市")
    seen = tg.api.visible(await tg.say(ADMIN, "/broadcast ube テスト"))  # romaji works too
    assert "宇部市のお知らせ登録者 1人" in seen


async def test_staff_commands_only_in_a_private_chat(tg):
    calls = await tg.say(-100777, f"/stats@{tg.updates.bot_username}", user_id=ADMIN)
    assert "1対1のチャット" in tg.api.visible(calls)


def worst_window(times) -> int:
    """The most messages in any half-open one-second window."""
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + 1.0) for start in times), default=0)


# Virtual time cannot tell a PostgreSQL round trip in flight (a socket, not a thread) from an idle
# loop, so the pacing is measured on SQLite; the budget PostgreSQL's sender processes share is
# measured with real processes and real time (tests/broadcast/test_senders_processes.py).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "limits",
    [
        # the broadcast may take all of the 30/s; the bot's own limiter keeps the ceiling too
        pytest.param(Limits(broadcast_per_second=30), id="with-the-bot-limiter"),
        # the bot's limiter lifted: the broadcast engine's pacing alone must keep Telegram's limits
        pytest.param(Limits(broadcast_per_second=30, overall_per_second=None, chat_per_second=None), id="engine-alone"),
    ],
)
async def test_a_broadcast_never_exceeds_30_per_second_nor_1_per_second_per_chat(make_tg, limits):
    # Virtual time (tests/support/telegram_fake.py) moves only through the sleeps asked for,
    # never while a database call is in flight, so the times below are the same on every run.
    tg = await make_tg(limits)
    residents = ResidentStore(tg.app.db)
    chats = list(range(1000, 1150))
    for chat in chats:
        await residents.subscribe(user_key(chat), "宇部市")
    long_text = "\n".join(["お知らせの本文です。" * 20] * 30)  # longer than one broadcast may be
    refused = await tg.say(ADMIN, f"/broadcast 宇部市 {long_text}")
    assert "本文が長すぎます" in tg.api.visible(refused) and not preview_buttons(refused)
    # two broadcasts confirmed back to back: two messages per resident, sent side by side
    first, _ = preview_buttons(await tg.say(ADMIN, "/broadcast 宇部市 " + "お知らせの本文です。" * 300))
    second, _ = preview_buttons(await tg.say(ADMIN, "/broadcast 宇部市 " + "二つ目のお知らせです。" * 300))
    await tg.press(ADMIN, first)
    await tg.press(ADMIN, second)
    await tg.settle()
    sends = [c for c in tg.api.messages() if c.chat_id in set(chats)]
    assert len(sends) == 2 * len(chats)
    assert [status for *_, status in await deliveries(tg)] == ["sent"] * (2 * len(chats))
    assert worst_window(c.at for c in sends) <= 30  # the broadcasts' own pacing
    if limits.overall_per_second:  # and with the staff's previews and reports, every message
        assert worst_window(c.at for c in tg.api.of("sendMessage", ok=False)) <= 30
    for chat in chats:
        first, second = [c.at for c in sends if c.chat_id == chat]
        assert second - first >= 1.0
    span = max(c.at for c in sends) - min(c.at for c in sends)
    assert span <= len(sends) / 30 * 1.15 + 1  # and it is not slower than it needs to be


async def test_reload_with_a_broken_file_keeps_the_old_listing(make_tg, tmp_path):
    shops = tmp_path / "shops.yaml"
    shutil.copy(config.shops_file(), shops)
    tg = await make_tg()
    tg.app.shop_watcher = watch_app(tg.app, shops)  # /reload asks the app's watcher, as the CLI's does
    old = tg.app.shops
    lines = shops.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith('    phone: "'))
    lines[i] = '    phone: "083-12"\n'
    shops.write_text("".join(lines), encoding="utf-8")

    calls = await tg.say(SUPPORT, "/reload")
    seen = tg.api.visible(calls)
    assert "読み込みませんでした" in seen and f"{shops}:{i + 1}" in seen and "phone" in seen
    assert tg.app.shops is old
    assert "ドコモショップフジグラン宇部店" in tg.api.visible(await tg.say(RESIDENT, "宇部のドコモ"))

    lines[i] = lines[i].replace('"083-12"', '"0836-00-0000"')
    shops.write_text("".join(lines), encoding="utf-8")
    calls = await tg.say(SUPPORT, "/reload")
    assert "読み込みなおしました：22件" in tg.api.visible(calls)
    assert tg.app.shops is not old and tg.app.current_shops() is tg.app.shops
    assert [a[3].split(":")[0] for a in await audit(tg) if a[1] == "reload"] == ["refused", "ok"]


async def test_reload_and_stats_are_refused_to_those_without_the_role(tg):
    old = tg.app.shops
    assert tg.api.visible(await tg.say(UBE_STAFF, "/reload")) == "この操作は許可されていません。"
    assert tg.api.visible(await tg.say(RESIDENT, "/stats")) == "この操作は許可されていません。"
    assert tg.app.shops is old
    assert [(a[1], a[3]) for a in await audit(tg)] == [("reload", "denied"), ("stats", "denied")]


async def test_stats_for_admin_and_for_municipal_staff(tg):
    for chat in (101, 102):
        await tg.say(chat, "/subscribe 宇部市")
    await tg.say(103, "/subscribe 防府市")
    await tg.send(tg.updates.my_chat_member(102, "member", "kicked"))
    seen = tg.api.visible(await tg.say(ADMIN, "/stats"))
    assert "ブロックされている：1人" in seen and "・宇部市 1" in seen and "・防府市 1" in seen
    seen = tg.api.visible(await tg.say(UBE_STAFF, "/stats"))
    assert "・宇部市 1" in seen and "防府市" not in seen


async def test_municipal_staff_see_only_their_towns_never_telegram_wide_counts(tg):
    for chat in (101, 102):
        await tg.say(chat, "/subscribe 宇部市")
    for chat in (103, 104, 105):
        await tg.say(chat, "/subscribe 防府市")
    await tg.send(tg.updates.my_chat_member(104, "member", "kicked"))
    seen = tg.api.visible(await tg.say(UBE_STAFF, "/stats"))
    assert "宇部市" in seen and "お知らせ登録のある方：2人（うちブロック 0人）" in seen
    assert "防府市" not in seen and "会話している方" not in seen and "起動してから" not in seen
    assert (await audit(tg))[-1] == (f"telegram:{UBE_STAFF}", "stats", "telegram", "ok: 宇部市")


@pytest.mark.parametrize("who", [RESIDENT, UBE_STAFF])
async def test_a_forged_confirm_button_is_audited(tg, who):
    calls = await tg.press(who, "tgb:send:no-such-broadcast")
    expected = "この操作は許可されていません。" if who == RESIDENT else None
    if expected:
        assert expected in tg.api.visible(calls)
    (entry,) = [a for a in await audit(tg) if a[1] == "broadcast"]
    assert entry[0] == f"telegram:{who}" and "no pending broadcast 'no-such-broadcast'" in entry[3]
    assert entry[3].startswith("denied" if who == RESIDENT else "refused")
