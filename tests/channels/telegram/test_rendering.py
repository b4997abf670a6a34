"""Rendering the core's replies for Telegram: 4,096-character parts cut on line boundaries
(counted as Telegram counts, in UTF-16), keyboards on the last part, URL buttons but never
``tel:``, venues only for verified places, and callback data within 64 bytes."""

from __future__ import annotations

from bot.channels.telegram.rendering import MAX_TEXT, CallbackData, TextOut, VenueOut, render, split_text, utf16_len
from bot.messages import Button, Link, Place, Reply

CHAT = 42


def test_short_text_is_one_part():
    assert split_text("こんにちは") == ["こんにちは"]
    assert split_text("") == [] and split_text(" \n ") == []


def test_long_text_is_cut_on_line_boundaries():
    lines = [f"{n:04d} " + "あ" * 95 for n in range(200)]  # 100 characters a line
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) == 5
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert "\n".join(parts) == text  # nothing lost, nothing cut inside a line
    assert all(p.split("\n")[0][:4].isdigit() for p in parts)


def test_a_line_longer_than_the_limit_is_cut_between_characters_not_inside_an_emoji():
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_text(text)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


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


def test_a_verified_place_is_a_venue_an_unverified_one_a_map_link():
    verified = Place("宇部市役所", "山口県宇部市常盤町1-7-1", 33.9516, 131.2467, verified=True)
    rough = Place("ドコモショップ", "山口県宇部市明神町3-1-1", 33.96, 131.25, verified=False)
    out = render(Reply("近くの会場です", places=[verified, rough]), CallbackData())
    assert isinstance(out[0], TextOut) and isinstance(out[1], VenueOut) and len(out) == 2
    assert out[1].place is verified
    (row,) = out[0].markup.inline_keyboard
    assert row[0].text == "🗺 ドコモショップ" and row[0].url.startswith("https://www.google.com/maps/")


async def test_venues_and_split_messages_through_the_sender(tg):
    place = Place("宇部市役所", "山口県宇部市常盤町1-7-1", 33.9516, 131.2467, verified=True)
    reply = Reply("\n".join(["お知らせ " * 30] * 40), buttons=[Button("メニュー", "menu")], places=[place])
    tg.api.clear()
    await tg.channel.sender.replies(CHAT, [reply])
    methods = [c.method for c in tg.api.calls]
    assert methods == ["sendMessage", "sendMessage", "sendVenue"]
    first, last, venue = tg.api.calls
    assert "reply_markup" not in first.params and last.params["reply_markup"]["inline_keyboard"]
    assert venue.params["latitude"] == 33.9516 and venue.params["title"] == "宇部市役所"


def test_callback_data_within_64_bytes():
    data = CallbackData(capacity=2)
    assert data.encode("proc:tenshutsu") == "proc:tenshutsu"
    long_ones = ["classes:山陽小野田市:topic=" + "マイナンバーカード" * n for n in (2, 3, 4)]
    tokens = [data.encode(d) for d in long_ones]
    assert all(len(t.encode()) <= 64 and t.startswith("~") for t in tokens)
    assert data.decode(tokens[2]) == long_ones[2]
    assert data.decode(tokens[0]) == "expired"  # the oldest was forgotten (capacity 2)
    assert data.encode("~looks-like-a-token") != "~looks-like-a-token"
