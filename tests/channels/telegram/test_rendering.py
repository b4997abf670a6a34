"""Rendering the core's replies for Telegram: 4,096-unit parts (the splitter itself is
tested in tests/delivery/test_text.py), keyboards on the last part, URL buttons but never
``tel:``, and callback data within 64 bytes."""

from __future__ import annotations

from bot.channels.telegram.rendering import MAX_TEXT, CallbackData, TextOut, render
from bot.delivery.text import utf16_len
from bot.messages import Button, Link, Reply

CHAT = 42


def test_the_keyboard_goes_on_the_last_part_and_links_before_buttons():
    reply = Reply(
        "\n".join(["x" * 100] * 100),
        buttons=[Button("メニュー", "menu")],
        links=[Link("地図：宇部", "https://www.google.com/maps/search/?api=1&query=x")],
    )
    out = render(reply, CallbackData())
    assert len(out) == 3 and all(isinstance(o, TextOut) for o in out)
    assert out[0].markup is None and out[1].markup is None
    rows = out[2].markup.inline_keyboard
    assert rows[0][0].url.startswith("https://") and rows[1][0].callback_data == "menu"


def test_tel_links_are_not_buttons_and_their_number_is_in_the_text():
    reply = Reply(
        "お問い合わせは 03-5974-0129 まで",
        links=[
            Link("電話する：センター 03-5974-0129", "tel:0359740129"),
            Link("電話する：フリーダイヤル 0120-95-0178", "tel:0120950178"),
            Link("マイナポータル", "https://myna.go.jp/"),
        ],
    )
    (out,) = render(reply, CallbackData())
    assert [row[0].url for row in out.markup.inline_keyboard] == ["https://myna.go.jp/"]
    assert out.text.count("03-5974-0129") == 1  # already shown: not repeated
    assert out.text.endswith("電話する：フリーダイヤル 0120-95-0178")  # not shown: added to the text


async def test_split_messages_through_the_sender(tg):
    reply = Reply("\n".join(["お知らせ " * 300] * 4), buttons=[Button("メニュー", "menu")])  # 6,004 units
    tg.api.clear()
    await tg.channel.sender.replies(CHAT, [reply])
    first, last = tg.api.calls
    assert [c.method for c in tg.api.calls] == ["sendMessage", "sendMessage"]
    assert all(utf16_len(c.params["text"]) <= MAX_TEXT for c in tg.api.calls)
    assert "reply_markup" not in first.params and last.params["reply_markup"]["inline_keyboard"]


def test_callback_data_within_64_bytes():
    data = CallbackData(capacity=2)
    assert data.encode("proc:tenshutsu") == "proc:tenshutsu"
    long_ones = ["classes:山陽小野田市:topic=" + "マイナンバーカード" * n for n in (2, 3, 4)]
    tokens = [data.encode(d) for d in long_ones]
    assert all(len(t.encode()) <= 64 and t.startswith("~") for t in tokens)
    assert data.decode(tokens[2]) == long_ones[2]
    assert data.decode(tokens[0]) == "expired"  # the oldest was forgotten (capacity 2)
    assert data.encode("~looks-like-a-token") != "~looks-like-a-token"
