"""The words staff and residents read about broadcasts and reminders, character for character:
the preview and the report (``bot.broadcast.texts``) and the reminder of the day before
(``bot.broadcast.reminders.reminder_text``), in Japanese and English, for inputs that take
every optional line. The words live in ``knowledge/texts.yaml``; these goldens were taken
from the texts as they were when they were still written in the code."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.broadcast.engine import Report
from bot.broadcast.reminders import reminder_text
from bot.broadcast.service import Preview
from bot.broadcast.texts import channel_name, preview_text, report_text
from bot.classes.model import ClassSession
from bot.clock import TOKYO

PREVIEWS = {
    "digest_at_all": Preview(
        "cli:admin",
        "下関市",
        "digest",
        "【下関市】お知らせ\n{x} 二行目",
        ("telegram", "line"),
        datetime(2026, 12, 1, 9, 5, tzinfo=TOKYO),
        {"telegram": 3, "line": 2, "console": 1, "fake": 4},
        {"line": "送信設定がありません", "fake": "no {sender}"},
        {"line": "今月の残りは1通です", "telegram": "w"},
    ),
    "nobody": Preview("cli:ube", "宇部市", "text", "x", None, None, {}, {"console": "none here"}),
    "text_now": Preview(
        "cli:ube", "宇部市", "text", "12月の講習会のお知らせです", None, None, {"telegram": 2, "line": 1}
    ),
}
REPORTS = {
    "clean": Report(1, "宇部市", 3, 3, 0, 0, 0, 0, 0.04, True),
    "failed": Report(
        12, "宇部市", 10, 6, 2, 1, 0, 2, 12.345, True, [("Forbidden: bot was blocked {x}", 2), ("timeout", 1)]
    ),
    "failed_no_errors": Report(9, "萩市", 2, 1, 1, 0, 0, 1, 1.25, True),
    "pending": Report(7, "山口市", 9, 3, 1, 0, 5, 0, 3.0, False, [("timeout", 1)]),
    "stopped_empty": Report(8, "萩市", 0, 0, 0, 0, 0, 0, 0.0, False),
}
UBE = dict(
    prefecture="山口県",
    municipality="宇部市",
    venue="ドコモショップフジグラン宇部店",
    phone="0120-173-053",
    address="宇部市明神町3-1-1",
)
CLASSES = {
    "bare": ClassSession(
        **UBE,
        day=date(2026, 12, 6),
        start="9:00",
        end=None,
        level="応用",
        title="{x} LINE の使い方",
        bring=None,
        booking_required=False,
    ),
    "full": ClassSession(
        **UBE,
        day=date(2026, 11, 30),
        start="10:30",
        end="11:30",
        level="入門",
        title="はじめてのスマートフォン",
        bring="スマートフォン",
    ),
    "sat": ClassSession(
        **UBE,
        day=date(2027, 1, 2),
        start="13:00",
        end="15:00",
        level="基本",
        title="マイナンバーカード",
        bring="カード、暗証番号",
        booking_required=True,
    ),
}

PREVIEW_GOLDEN = {
    ("digest_at_all", "ja"): [
        "配信の確認 — 下関市・これからの講座のお知らせ（自動作成）・2026/12/01 09:05（日本時間）に送信",
        "現在の受信者: 10人（Telegram 3人、LINE 2人、コンソール 1人、fake 4人）",
        "注意: LINE の送信設定がないため、その 2人には届かず「失敗」と記録されます（送信設定がありません）",
        "注意: fake の送信設定がないため、その 4人には届かず「失敗」と記録されます（no {sender}）",
        "注意（LINE）: 今月の残りは1通です",
        "注意（Telegram）: w",
        "受信者は送信を始めた時点で確定します。",
        "──── 本文 ────",
        "【下関市】お知らせ",
        "{x} 二行目",
        "────────────",
    ],
    ("digest_at_all", "en"): [
        "Broadcast preview — 下関市 (class digest), to be sent at 2026-12-01 09:05 (Japan time)",
        "Recipients now: 10 (Telegram 3, LINE 2, console 1, fake 4)",
        "Warning: LINE has no sender here; its 2 recipients will be recorded as failed (送信設定がありません)",
        "Warning: fake has no sender here; its 4 recipients will be recorded as failed (no {sender})",
        "Warning from LINE: 今月の残りは1通です",
        "Warning from Telegram: w",
        "The recipients are fixed when sending starts.",
        "----",
        "【下関市】お知らせ",
        "{x} 二行目",
        "----",
    ],
    ("nobody", "ja"): [
        "配信の確認 — 宇部市・お知らせ・確認後すぐに送信",
        "現在の受信者: 0人（なし）",
        "注意: コンソール の送信設定がないため、その 0人には届かず「失敗」と記録されます（none here）",
        "受信者は送信を始めた時点で確定します。",
        "──── 本文 ────",
        "x",
        "────────────",
    ],
    ("nobody", "en"): [
        "Broadcast preview — 宇部市 (text), sent as soon as you confirm",
        "Recipients now: 0 (none)",
        "Warning: console has no sender here; its 0 recipients will be recorded as failed (none here)",
        "The recipients are fixed when sending starts.",
        "----",
        "x",
        "----",
    ],
    ("text_now", "ja"): [
        "配信の確認 — 宇部市・お知らせ・確認後すぐに送信",
        "現在の受信者: 3人（Telegram 2人、LINE 1人）",
        "受信者は送信を始めた時点で確定します。",
        "──── 本文 ────",
        "12月の講習会のお知らせです",
        "────────────",
    ],
    ("text_now", "en"): [
        "Broadcast preview — 宇部市 (text), sent as soon as you confirm",
        "Recipients now: 3 (Telegram 2, LINE 1)",
        "The recipients are fixed when sending starts.",
        "----",
        "12月の講習会のお知らせです",
        "----",
    ],
}
REPORT_GOLDEN = {
    ("clean", "ja"): [
        "配信 #1（宇部市）: 完了しました",
        "送信 3人、失敗 0人、ブロック 0人（対象 3人、0.0秒）",
    ],
    ("clean", "en"): [
        "Broadcast #1 to 宇部市: done",
        "sent 3, failed 0, blocked 0 of 3 (0.0 s)",
    ],
    ("failed", "ja"): [
        "配信 #12（宇部市）: 完了しました",
        "送信 6人、失敗 2人、ブロック 1人（対象 10人、12.3秒）",
        "前回の中断時に送信中だった 2人には、もう一度送りました（2通届いた方がいるかもしれません）。",
        "失敗の理由:",
        "  2件: Forbidden: bot was blocked {x}",
        "  1件: timeout",
        "失敗した分を送り直すには: madoguchi broadcast --resume 12 --retry-failed",
    ],
    ("failed", "en"): [
        "Broadcast #12 to 宇部市: done",
        "sent 6, failed 2, blocked 1 of 10 (12.3 s)",
        "2 were in flight when the previous run stopped and were sent again (those residents may have it twice).",
        "Why they failed:",
        "  2 × Forbidden: bot was blocked {x}",
        "  1 × timeout",
        "Send the failed ones again with: madoguchi broadcast --resume 12 --retry-failed",
    ],
    ("failed_no_errors", "ja"): [
        "配信 #9（萩市）: 完了しました",
        "送信 1人、失敗 1人、ブロック 0人（対象 2人、1.2秒）",
        "前回の中断時に送信中だった 1人には、もう一度送りました（2通届いた方がいるかもしれません）。",
        "失敗した分を送り直すには: madoguchi broadcast --resume 9 --retry-failed",
    ],
    ("failed_no_errors", "en"): [
        "Broadcast #9 to 萩市: done",
        "sent 1, failed 1, blocked 0 of 2 (1.2 s)",
        "1 were in flight when the previous run stopped and were sent again (those residents may have it twice).",
        "Send the failed ones again with: madoguchi broadcast --resume 9 --retry-failed",
    ],
    ("pending", "ja"): [
        "配信 #7（山口市）: まだ終わっていません",
        "送信 3人、失敗 1人、ブロック 0人（対象 9人、未送信 5人、3.0秒）",
        "失敗の理由:",
        "  1件: timeout",
        "続きを送るには: madoguchi broadcast --resume 7",
    ],
    ("pending", "en"): [
        "Broadcast #7 to 山口市: not finished",
        "sent 3, failed 1, blocked 0 of 9, 5 still pending (3.0 s)",
        "Why they failed:",
        "  1 × timeout",
        "Resume with: madoguchi broadcast --resume 7",
    ],
    ("stopped_empty", "ja"): [
        "配信 #8（萩市）: まだ終わっていません",
        "送信 0人、失敗 0人、ブロック 0人（対象 0人、0.0秒）",
    ],
    ("stopped_empty", "en"): [
        "Broadcast #8 to 萩市: not finished",
        "sent 0, failed 0, blocked 0 of 0 (0.0 s)",
    ],
}
REMINDER_GOLDEN = {
    ("bare", "ja"): [
        "【講座のお知らせ】明日 12月6日（日）9:00～ にスマホ講習会があります。",
        "応用編「{x} LINE の使い方」",
        "会場：ドコモショップフジグラン宇部店（宇部市明神町3-1-1）",
        "電話：0120-173-053",
        "参加費は無料です。",
    ],
    ("bare", "en"): [
        "Reminder: your smartphone class is tomorrow, Sun 6 Dec, 9:00–.",
        "[応用] {x} LINE の使い方",
        "Venue: ドコモショップフジグラン宇部店 (宇部市明神町3-1-1)",
        "Phone: 0120-173-053",
        "The class is free of charge.",
    ],
    ("full", "ja"): [
        "【講座のお知らせ】明日 11月30日（月）10:30～11:30 にスマホ講習会があります。",
        "入門編「はじめてのスマートフォン」",
        "会場：ドコモショップフジグラン宇部店（宇部市明神町3-1-1）",
        "電話：0120-173-053",
        "持ち物：スマートフォン",
        "まだ予約していない方は、会場にお電話ください。",
        "参加費は無料です。",
    ],
    ("full", "en"): [
        "Reminder: your smartphone class is tomorrow, Mon 30 Nov, 10:30–11:30.",
        "[入門] はじめてのスマートフォン",
        "Venue: ドコモショップフジグラン宇部店 (宇部市明神町3-1-1)",
        "Phone: 0120-173-053",
        "Bring: スマートフォン",
        "If you have not booked yet, please call the venue.",
        "The class is free of charge.",
    ],
    ("sat", "ja"): [
        "【講座のお知らせ】明日 1月2日（土）13:00～15:00 にスマホ講習会があります。",
        "基本編「マイナンバーカード」",
        "会場：ドコモショップフジグラン宇部店（宇部市明神町3-1-1）",
        "電話：0120-173-053",
        "持ち物：カード、暗証番号",
        "まだ予約していない方は、会場にお電話ください。",
        "参加費は無料です。",
    ],
    ("sat", "en"): [
        "Reminder: your smartphone class is tomorrow, Sat 2 Jan, 13:00–15:00.",
        "[基本] マイナンバーカード",
        "Venue: ドコモショップフジグラン宇部店 (宇部市明神町3-1-1)",
        "Phone: 0120-173-053",
        "Bring: カード、暗証番号",
        "If you have not booked yet, please call the venue.",
        "The class is free of charge.",
    ],
}


@pytest.mark.parametrize("name, lang", list(PREVIEW_GOLDEN))
def test_preview(knowledge, name, lang):
    assert preview_text(knowledge, PREVIEWS[name], lang).split("\n") == PREVIEW_GOLDEN[name, lang]


@pytest.mark.parametrize("name, lang", list(REPORT_GOLDEN))
def test_report(knowledge, name, lang):
    assert report_text(knowledge, REPORTS[name], lang).split("\n") == REPORT_GOLDEN[name, lang]


@pytest.mark.parametrize("name, lang", list(REMINDER_GOLDEN))
def test_reminder(knowledge, name, lang):
    assert reminder_text(knowledge, CLASSES[name], lang).split("\n") == REMINDER_GOLDEN[name, lang]


def test_japanese_unless_english(knowledge):
    p, r, c = PREVIEWS["digest_at_all"], REPORTS["failed"], CLASSES["full"]
    assert preview_text(knowledge, p) == preview_text(knowledge, p, "fr") == preview_text(knowledge, p, "ja")
    assert report_text(knowledge, r) == report_text(knowledge, r, "fr") == report_text(knowledge, r, "ja")
    assert reminder_text(knowledge, c) == reminder_text(knowledge, c, "fr") == reminder_text(knowledge, c, "ja")


def test_a_channel_without_a_name_is_shown_by_its_id(knowledge):
    assert [channel_name(knowledge, c, "ja") for c in ("telegram", "line", "console", "fake")] == [
        "Telegram",
        "LINE",
        "コンソール",
        "fake",
    ]
    assert [channel_name(knowledge, c, "en") for c in ("telegram", "line", "console", "fake")] == [
        "Telegram",
        "LINE",
        "console",
        "fake",
    ]
