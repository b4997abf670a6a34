"""The words staff read: every stored state has a Japanese word, every time is Japan time."""

from __future__ import annotations

from bot.staff.words import BROADCAST_STATUS, DELIVERY_STATUS, broadcast_status, delivery_status, tokyo_time
from bot.store.broadcasts import STATUSES


def test_every_state_has_a_japanese_word():
    for status in ("scheduled", "ready", "sending", "paused", "done", "cancelled"):
        assert broadcast_status(status) != status and status in BROADCAST_STATUS
    for status in STATUSES:
        assert delivery_status(status) != status and status in DELIVERY_STATUS


def test_times_are_japan_time():
    assert tokyo_time("2026-11-30T15:30:00+00:00") == "2026/12/01 00:30"
    assert tokyo_time("2026-11-30T15:30:05", seconds=True) == "2026/12/01 00:30:05"  # no zone: UTC as stored
    assert tokyo_time(None) == "" and tokyo_time("not a time") == "not a time"
