"""Idempotency keys: the same UUID for the same parts, on every attempt and after a
restart (the value is pinned: a changed namespace would deliver a retried push twice)."""

from __future__ import annotations

import uuid

from bot.delivery.keys import retry_key


def test_a_retry_key_is_a_reproducible_uuid():
    assert retry_key("push", "event-1") == "79d136e7-0b1c-5caa-ad8b-4af098f828cc"
    assert str(uuid.UUID(retry_key("x"))) == retry_key("x")


def test_different_parts_make_different_keys():
    assert retry_key("push", "a") == retry_key("push", "a") != retry_key("push", "b")
    assert retry_key("broadcast", "k") != retry_key("broadcast", "k", "0")
