"""The Telegram channel's own words, now in ``knowledge/texts.yaml`` (``telegram.*``): the
command menu for ``set_my_commands`` and /help, and the texts with placeholders, character
for character as they were when they were written in the code (the staff commands' words
are the core's: ``tests/staff/test_chat.py``)."""

from __future__ import annotations

from bot.channels.telegram.texts import COMMAND_NAMES, command_list, commands, t

MENU = [
    ("start", "はじめる", "Start"),
    ("menu", "メニューを表示", "Show the menu"),
    ("help", "使い方", "How to use this bot"),
    ("lang", "言語の切り替え（日本語 / English）", "Language (日本語 / English)"),
    ("subscribe", "スマホ教室のお知らせを受け取る", "Get news of smartphone classes"),
    ("unsubscribe", "お知らせをやめる", "Stop class news"),
    ("forget", "保存されたあなたの情報を消す", "Delete everything stored about me"),
]


def test_the_command_menu_in_order(knowledge):
    assert commands(knowledge, "ja") == [(name, ja) for name, ja, _ in MENU]
    assert commands(knowledge, "en") == [(name, en) for name, _, en in MENU]
    assert [name for name, _, _ in MENU] == list(COMMAND_NAMES)


def test_the_command_list_for_help(knowledge):
    assert command_list(knowledge, "ja").split("\n") == [f"/{c} — {ja}" for c, ja, _ in MENU]
    assert command_list(knowledge, "en").split("\n") == [f"/{c} — {en}" for c, _, en in MENU]
    assert command_list(knowledge, "ja-easy") == command_list(knowledge, "ja")  # not written yet: its fallback


def test_help(knowledge):
    assert t(knowledge, "help", "ja", commands="/start — はじめる") == (
        "使い方：ご質問をそのまま書いて送ってください（例：「宇部のスマホ教室」「転出届」）。"
        "位置情報を送ると、近くのショップをご案内します。\n\n/start — はじめる"
    )
    assert t(knowledge, "help", "en", commands="/start — Start") == (
        'How to use: just type your question (e.g. "classes in Ube", "moving out"). '
        "Share your location to see the nearest shops.\n\n/start — Start"
    )


def test_texts_with_placeholders(knowledge):
    assert t(knowledge, "group_hello", "en", bot="madoguchi_bot") == (
        "Hello, this is Madoguchi. In this group I answer only messages that mention @madoguchi_bot or reply "
        "to me.\nFor personal questions, please message me directly."
    )


def test_texts_without_placeholders(knowledge):
    footer = "\n\n――\nまどぐち（窓口）からのお知らせです。お知らせをやめるときは /unsubscribe"
    assert t(knowledge, "broadcast_footer", "ja") == t(knowledge, "broadcast_footer", "en") == footer
    flood_ja = "メッセージが続けて届いています。少し時間をおいてから、もう一度ゆっくり送ってください。"
    assert t(knowledge, "flood", "ja") == t(knowledge, "flood", "fr") == flood_ja
    assert t(knowledge, "flood", "en") == (
        "I'm getting a lot of messages at once. Please wait a little, then send your question again."
    )
