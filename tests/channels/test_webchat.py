"""The web chat channel: replies as the page shows them (phone numbers tappable, only links a
browser may safely open) and visitors' conversation keys (never the cookie itself)."""

from __future__ import annotations

from bot.channels.webchat import incoming, render, user_key
from bot.messages import Button, Link, Reply


def test_render_makes_phone_numbers_tappable_and_drops_unsafe_links():
    (out,) = render(
        [
            Reply(
                "予約は 0836-21-1234 へ",
                [Button("次へ", "next")],
                [Link("地図", "https://maps.google.com/?q=1"), Link("x", "javascript:alert(1)")],
            )
        ]
    )
    assert out["parts"] == [
        {"text": "予約は ", "tel": None},
        {"text": "0836-21-1234", "tel": "tel:0836211234"},
        {"text": " へ", "tel": None},
    ]
    assert out["buttons"] == [{"label": "次へ", "data": "next"}]
    assert [link["url"] for link in out["links"]] == ["https://maps.google.com/?q=1"]


def test_a_visitor_key_is_a_digest_and_input_is_bounded():
    key = user_key("a-cookie-value-0123456789")
    assert key.startswith("web:") and "a-cookie" not in key and key == user_key("a-cookie-value-0123456789")
    assert incoming(key, "  ") is None
    assert len(incoming(key, "あ" * 5000).text) == 1000
    assert incoming(key, "text", postback="intent:greeting").postback == "intent:greeting"
