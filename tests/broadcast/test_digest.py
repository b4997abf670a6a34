"""The class digest broadcast, character for character: the head, each class (day, hours,
level, title, venue, seats, what to bring, phone), "N more" with the town's short name, the
booking and stop-the-news lines; and it stays under one message's length."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.broadcast.digest import MAX_CHARS, digest_text
from tests.classes.month import MONTH

CLASSES = MONTH[:3]  # a 宇部市 class, a full one with something to bring, a 周防大島町 one
FOOT = "予約が必要な場合があります。会場に電話でお申し込みください。\nお知らせをやめるときは「お知らせをやめる」と送ってください。"


def test_the_digest_word_for_word(knowledge):
    assert digest_text(knowledge, "宇部市", CLASSES, 10, 7) == (
        "【宇部市】スマホ講習会のお知らせ（参加無料）\nこれから7日間に開かれる講習会です。\n\n"
        "■12月1日（火）9:00～10:30　入門編\n講座0\n"
        "会場：ドコモショップフジグラン宇部店（宇部市明神町3-1-1フジグラン宇部グランフジ1階）\n"
        "予約・問い合わせ：0120-173-053\n\n"
        "■12月2日（水）10:00～　体験編\n講座1\n会場：auショップ宇部常盤通り（宇部市新天町2-4-5）\n満席です\n"
        "持ち物：マイナンバーカード\n予約・問い合わせ：0800-700-2472\n\n"
        "■12月3日（木）11:00～12:30　基本編\n講座2\n会場：ソフトバンク大島（周防大島町小松1）\n残り3席\n"
        "予約・問い合わせ：0820-72-0000\n\n"
        "ほかに7件あります。「宇部のスマホ教室」と送ると、日程を探せます。\n\n" + FOOT
    )


def test_a_town_is_named_without_its_suffix_and_all_shown_needs_no_more_line(knowledge):
    text = digest_text(knowledge, "周防大島町", CLASSES[2:], 5, 14)
    assert text.startswith("【周防大島町】スマホ講習会のお知らせ（参加無料）\nこれから14日間に開かれる講習会です。\n\n")
    assert "\n\nほかに4件あります。「周防大島のスマホ教室」と送ると、日程を探せます。\n\n" in text
    assert "ほかに" not in digest_text(knowledge, "宇部市", CLASSES, 3, 14)
    assert digest_text(knowledge, "宇部市", CLASSES, 3, 14).endswith("予約・問い合わせ：0820-72-0000\n\n" + FOOT)


def test_a_long_digest_stays_within_one_message(knowledge):
    many = [
        replace(CLASSES[i % 3], title="長い講座名" * 40, day=date(2026, 12, 1) + timedelta(days=i)) for i in range(30)
    ]
    text = digest_text(knowledge, "宇部市", many, 30, 14)
    assert len(text) <= MAX_CHARS and text.count("■") == 12
    assert "ほかに18件あります。" in text and text.endswith(FOOT)
