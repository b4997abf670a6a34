"""Replies → LINE messages: texts, quick replies (≤ 13, labels ≤ 20), URI actions with
``tel:``, at most 5 messages per call, a text over 5,000 UTF-16 units split."""

from __future__ import annotations

import pytest

from bot.channels.line.render import (
    MAX_LABEL,
    MAX_QUICK_REPLIES,
    clip,
    fit_label,
    link_label,
    render,
)
from bot.delivery.text import utf16_len
from bot.messages import Button, IncomingMessage, Link, Reply
from tests.support import line_fake as lf


def dicts(messages) -> list[dict]:
    return [m.to_dict() for m in messages]


def quick(messages: list[dict]) -> list[dict]:
    return [i["action"] for i in (messages[-1].get("quickReply") or {}).get("items", [])]


def buttons_of(messages: list[dict]) -> list[dict]:
    out = []
    for m in messages:
        if m["type"] == "flex":
            contents = m["contents"]
            bubbles = contents["contents"] if contents["type"] == "carousel" else [contents]
            out += [b["action"] for bubble in bubbles for b in bubble["body"]["contents"]]
    return out


def test_a_reply_is_a_text_with_quick_replies():
    reply = Reply("こんにちは", buttons=[Button("スマホ教室をさがす", "intent:classes"), Button("メニュー", "menu")])
    (message,) = dicts(render([reply]))
    assert message["type"] == "text" and message["text"] == "こんにちは"
    assert quick([message]) == [
        {
            "type": "postback",
            "label": "スマホ教室をさがす",
            "data": "intent:classes",
            "displayText": "スマホ教室をさがす",
        },
        {"type": "postback", "label": "メニュー", "data": "menu", "displayText": "メニュー"},
    ]


def test_no_replies_no_messages():
    assert render([]) == []
    assert render([Reply("   ")]) == []


def test_at_most_13_quick_replies_with_labels_of_at_most_20():
    long = "とても長いボタンの名前がここに入ります（二十文字をこえる）"
    buttons = [Button(f"{n}番目の{long}", f"pick:{n}") for n in range(20)]
    buttons.insert(3, Button("重複", "pick:1"))  # the same data twice is one button
    messages = dicts(render([Reply("選んでください", buttons=buttons)]))
    actions = quick(messages)
    assert len(actions) == MAX_QUICK_REPLIES
    assert [a["data"] for a in actions] == [f"pick:{n}" for n in range(13)]
    for n, action in enumerate(actions):
        assert len(action["label"]) <= MAX_LABEL
        assert action["label"].endswith("…")
        assert action["displayText"] == f"{n}番目の{long}"
    assert lf.problems(messages) == []


def test_a_button_whose_data_line_cannot_carry_is_left_out():
    messages = dicts(render([Reply("x", buttons=[Button("a", "x" * 301), Button("b", "menu"), Button("c", "")])]))
    assert [a["data"] for a in quick(messages)] == ["menu"]


def test_links_are_uri_buttons_and_tel_keeps_the_number():
    links = [
        Link("電話する：デジタル活用支援センター（一般財団法人 日本データ通信協会） 03-5974-0129", "tel:0359740129"),
        Link("Call: Digital Utilization Support Center 03-5974-0129", "tel:0359740129"),
        Link("電話する：ドコモショップ 0120-173-053", "tel:0120173053"),
        Link("地図：ドコモショップフジグラン宇部店", "https://www.google.com/maps/search/?api=1&query=x"),
        Link("マイナポータルを開く", "https://myna.go.jp/"),
        Link("LINEで開く", "line://nv/chat"),
    ]
    messages = dicts(render([Reply("お問い合わせ先", links=links)]))
    assert [m["type"] for m in messages] == ["text", "flex"]
    actions = buttons_of(messages)
    assert [(a["label"], a["uri"]) for a in actions] == [
        ("電話する 03-5974-0129", "tel:0359740129"),
        ("Call 03-5974-0129", "tel:0359740129"),
        ("電話する 0120-173-053", "tel:0120173053"),
        ("地図：ドコモショップフジグラン宇部店", "https://www.google.com/maps/search/?api=1&query=x"),
        ("マイナポータルを開く", "https://myna.go.jp/"),
        ("LINEで開く", "line://nv/chat"),
    ]
    assert all(a["type"] == "uri" and len(a["label"]) <= MAX_LABEL for a in actions)
    assert "03-5974-0129" in messages[1]["altText"]
    assert lf.problems(messages) == []


def test_links_line_cannot_open_are_left_out():
    links = [
        Link("メール", "mailto:a@example.jp"),
        Link("ftp", "ftp://x"),
        Link("長い", "https://x/" + "a" * 1000),
        Link("", "https://example.jp/"),
        Link("ok", "https://example.jp/"),
    ]
    messages = dicts(render([Reply("x", links=links)]))
    assert [a["uri"] for a in buttons_of(messages)] == ["https://example.jp/"]
    assert dicts(render([Reply("x", links=links[:4])])) == [{"type": "text", "text": "x"}]


def test_many_links_become_a_carousel():
    links = [Link(f"電話する：店{n} 0120-000-{n:03d}", f"tel:0120000{n:03d}") for n in range(25)]
    messages = dicts(render([Reply("店の一覧", links=links)]))
    flex = messages[1]
    assert flex["contents"]["type"] == "carousel"
    assert [len(b["body"]["contents"]) for b in flex["contents"]["contents"]] == [10, 10, 5]
    assert len(buttons_of(messages)) == 25
    assert utf16_len(flex["altText"]) <= 400
    assert lf.problems(messages) == []


def test_never_more_than_5_messages_and_texts_come_first():
    replies = [Reply(f"その{n}", links=[Link(f"L{n}", f"https://example.jp/{n}")]) for n in range(7)]
    replies[-1].buttons = [Button("メニュー", "menu")]
    messages = dicts(render(replies))
    assert len(messages) == 5
    assert [m["type"] for m in messages] == ["text"] * 4 + ["flex"]
    joined = "\n".join(m["text"] for m in messages if m["type"] == "text")
    assert [joined.index(f"その{n}") for n in range(7)] == sorted(joined.index(f"その{n}") for n in range(7))
    assert len(buttons_of(messages)) == 7  # every link kept
    assert quick(messages)[0]["data"] == "menu" and "quickReply" not in messages[0]
    assert lf.problems(messages) == []


def test_a_text_longer_than_line_allows_is_split_as_line_counts():
    text = "🍎" * 2600  # 5,200 UTF-16 units: LINE counts an emoji as 2
    messages = dicts(render([Reply(text)]))
    assert [utf16_len(m["text"]) for m in messages] == [5000, 200]
    assert "".join(m["text"] for m in messages) == text  # nothing lost
    assert lf.problems(messages) == []


def test_more_text_than_five_messages_hold_is_clipped_not_refused():
    messages = dicts(render([Reply("\n".join(["あ" * 999] * 30))]))  # 30,000 units
    assert len(messages) == 5 and all(utf16_len(m["text"]) <= 5000 for m in messages)
    assert lf.problems(messages) == []


@pytest.mark.parametrize(
    "text, limit, expected",
    [("abc", 3, "abc"), ("abcd", 3, "ab…"), ("🍎🍎🍎", 4, "🍎…"), ("", 3, "")],
)
def test_clip(text, limit, expected):
    assert clip(text, limit) == expected


def test_fit_label_and_link_label():
    assert fit_label("a" * 20) == "a" * 20
    assert fit_label("a" * 21) == "a" * 19 + "…"
    assert fit_label("  メニュー\n ") == "メニュー"
    assert link_label(Link("電話する：" + "長" * 30, "tel:0120950178")) == "電話する 0120950178"
    assert link_label(Link("Telephone the very long named office", "tel:+81359740129")) == "+81359740129"


QUESTIONS = [
    "宇部のショップ",
    "相談したい",
    "転出届",
    "宇部のスマホ教室",
    "メニュー",
    "下関のドコモ",
    "周南のau",
    "マイナポータル",
    "よくある質問",
]


@pytest.mark.parametrize("question", QUESTIONS)
async def test_every_engine_answer_fits_line(app, question):
    replies = await app.engine.handle(IncomingMessage("line:Urender", text=question))
    messages = dicts(render(replies))
    assert 1 <= len(messages) <= 5
    assert lf.problems(messages) == []
    seen = lf.visible(messages)
    for reply in replies:
        assert reply.text.strip() in seen
        for button in reply.buttons:
            assert button.label in seen
        for link in reply.links:
            assert link.url in seen
