"""The core's staff chat commands (``bot.staff.chat``) for a channel that is not Telegram:
the guard, the broadcast preview → button → send → report on the real broadcast engine with
a recording sender, the audit, /stats, and the words of ``staff.*`` character for character.
Telegram's end-to-end tests of the same commands are ``tests/channels/telegram/test_staff.py``."""

from __future__ import annotations

from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.pending import Broadcasts
from bot.staff.chat import StaffChat, broadcast_parts
from bot.staff.guard import StaffGuard
from bot.staff.roles import StaffDirectory
from tests.support.broadcast_fake import FakeSender
from tests.support.staff import subscribe

LINE_STAFF = """\
staff:
  - {id: "line:Uadmin", name: 県 管理者, role: admin}
  - {id: "line:Uube", name: 宇部市 担当, role: municipal, municipalities: [宇部市]}
"""


def _chat(app, tmp_path) -> tuple[StaffChat, FakeSender]:
    staff = tmp_path / "staff.yaml"
    staff.write_text(LINE_STAFF, encoding="utf-8")
    sender = FakeSender(channel="line", max_batch=500)
    senders = {"line": sender}
    guard = StaffGuard(StaffDirectory.load(staff), app.stores.audit)
    engine = BroadcastEngine(app.stores, senders)
    return StaffChat(app, "line", guard, engine, senders, Broadcasts(), "stf", "\n――フッター"), sender


async def _audit(app) -> list[tuple]:
    return [(e["actor"], e["action"], e["target"], e["outcome"]) for e in reversed(await app.stores.audit.entries())]


def test_the_command_is_split_into_city_and_body():
    assert broadcast_parts("/broadcast 宇部市 一行目\n二行目") == ("宇部市", "一行目\n二行目")
    assert broadcast_parts("/broadcast") == ("", "")
    assert broadcast_parts("  /broadcast 萩市  ") == ("萩市", "")


async def test_a_line_broadcast_from_preview_to_report(app, tmp_path):
    chat, sender = _chat(app, tmp_path)
    await subscribe(app.db, "宇部市", ["line:U1", "line:U2", "telegram:5"])
    preview = await chat.broadcast("line:Uube", "/broadcast 宇部 12月の教室のお知らせ", "ja")
    assert preview.text.startswith("【送信前の確認】宇部市のお知らせ登録者 2人（LINE）に")
    assert preview.text.endswith("12月の教室のお知らせ\n――フッター")
    send, cancel = (b.data for b in preview.buttons)
    assert send.startswith("stf:send:") and cancel.startswith("stf:cancel:")
    assert sender.calls == []  # nothing sent before the button

    reports: list[str] = []

    async def report(reply) -> None:
        reports.append(reply.text)

    denied = await chat.press("line:Uother", send, "ja", report)  # not the sender of the preview
    assert denied.reply.text == "この操作は許可されていません。" and not denied.settled

    pressed = await chat.press("line:Uube", send, "ja", report)
    assert pressed.reply.text == "送信を始めました（2人）。終わったら結果をお知らせします。"
    await chat.finish()
    assert len(reports) == 1 and "送信 2人" in reports[0]
    assert sorted(sender.sent_keys()) == ["line:U1", "line:U2"]  # Telegram's subscriber is not LINE's to send
    again = await chat.press("line:Uube", send, "ja", report)
    await chat.finish()
    assert len(reports) == 1 and "もう実行されたか" in again.reply.text
    outcomes = [a[3].split(" ")[0] for a in await _audit(app) if a[1] == "broadcast"]
    assert outcomes == ["preview", "denied:", "confirmed", "done", "refused:"]


async def test_refusals_are_told_and_audited(app, tmp_path):
    chat, _ = _chat(app, tmp_path)
    await subscribe(app.db, "萩市", ["line:U9"])
    assert (await chat.broadcast("line:Uube", "/broadcast 萩市 本文", "ja")).text == "この操作は許可されていません。"
    assert "1対1のチャット" in (await chat.reload("line:Uadmin", "ja", private=False)).text
    assert "見つかりません" in (await chat.broadcast("line:Uadmin", "/broadcast 東京都 本文", "ja")).text
    nobody = await chat.broadcast("line:Uadmin", "/broadcast 防府市 本文", "en")
    assert "いません" in nobody.text and not nobody.buttons  # the broadcast service's own refusal
    audit = await _audit(app)
    assert [(a[0], a[3]) for a in audit if a[1] in ("broadcast", "reload")] == [
        ("line:Uube", "denied"),
        ("line:Uadmin", "refused: not a private chat"),
        ("line:Uadmin", f"refused: {nobody.text}"),
    ]


async def test_stats_of_one_channel_and_of_a_municipality(app, tmp_path):
    chat, _ = _chat(app, tmp_path)
    await subscribe(app.db, "宇部市", ["line:U1", "line:U2"])
    await subscribe(app.db, "萩市", ["line:U3"])
    counters = {"updates": 40, "replies": 30, "flood": 2}
    town = (await chat.stats("line:Uube", "ja", counters)).text
    assert town.startswith("【LINE の利用状況（宇部市）】\nお知らせ登録のある方：2人（うちブロック 0人）")
    assert "萩市" not in town  # municipal staff see their own towns only
    whole = (await chat.stats("line:Uadmin", "ja", counters)).text
    assert "・宇部市 2\n・萩市 1" in whole and whole.endswith("更新 40件、返信 30件、連投の注意 2件、エラー 0件")


def test_the_words(knowledge):
    def text(key: str, lang: str, **values) -> str:
        return knowledge.text("staff." + key, lang, **values)

    assert text("broadcast_preview", "ja", city="宇部市", count=3, text="本文 {x}", channel="Telegram") == (
        "【送信前の確認】宇部市のお知らせ登録者 3人（Telegram）に、次のメッセージを送ります。"
        "よろしければ「送信する」を押してください。\n――――――――\n本文 {x}"
    )
    values = dict(conversations=10, blocked=1, subscriptions="・宇部市 2", updates=40, replies=30, flood=2, errors=0)
    assert text("stats", "ja", channel="Telegram", **values) == (
        "【Telegram の利用状況】\n会話している方：10人\nブロックされている：1人\nお知らせ登録（市町別）：\n・宇部市 2\n\n"
        "起動してから：更新 40件、返信 30件、連投の注意 2件、エラー 0件"
    )
    assert text("stats", "en", channel="Telegram", **values) == (
        "[Telegram usage]\nConversations: 10\nBlocked: 1\nNews subscriptions by town:\n・宇部市 2\n\n"
        "Since start: 40 updates, 30 replies, 2 flood notices, 0 errors"
    )
    assert text("button_send", "ja", count=3) == "送信する（3人）" and text("button_send", "en", count=3) == "Send (3)"
    assert text("stats_none", "ja") == "（なし）" and text("stats_none", "en") == "(none)"
