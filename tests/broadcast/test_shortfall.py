"""A sender's preflight finding in the staff's words (``bot.broadcast.shortfall``)."""

from __future__ import annotations

from bot.broadcast.shortfall import Shortfall, shortfall_text


def test_a_quota_too_small_is_said_with_its_numbers(knowledge):
    found = Shortfall(needed=2500, remaining=100, limit=1000, used=900)
    assert shortfall_text(knowledge, found) == (
        "今月の残りは 100 通ですが、この配信には 2,500 通が必要です（上限 1,000 通、送信済み 900 通）。超えた分は届きません。"
    )
    assert "2,500 messages but only 100 remain" in shortfall_text(knowledge, found, "en")


def test_a_quota_that_could_not_be_read_and_a_reason_in_words(knowledge):
    assert shortfall_text(knowledge, Shortfall(10, unchecked="HTTP 500")) == (
        "今月のメッセージ数の上限を確認できませんでした（HTTP 500）"
    )
    assert shortfall_text(knowledge, "送信できません") == "送信できません"
