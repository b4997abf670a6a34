"""The words staff read for states and times, shared by the CLI and the web console.

Lives here: ``broadcast_status``, ``delivery_status``, ``broadcast_kind``, ``channel_label``,
``mark_label`` (Japanese words for the states the stores keep in English) and
``tokyo_time`` (a stored UTC timestamp as Japan time, ``2026/12/03 10:00``). Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import TOKYO

BROADCAST_STATUS = {
    "scheduled": "予約済み",
    "ready": "送信待ち",
    "sending": "送信中",
    "paused": "一時停止",
    "done": "完了",
    "cancelled": "取り消し",
}
DELIVERY_STATUS = {
    "pending": "未送信",
    "in_flight": "送信中",
    "sent": "送信済み",
    "failed": "失敗",
    "blocked": "ブロック",
}
BROADCAST_KIND = {"text": "お知らせ文", "digest": "講座のまとめ"}
CHANNELS = {"line": "LINE", "telegram": "Telegram", "console": "コンソール", "web": "Webチャット"}
MARKS = {"handled": "対応済み", "out_of_scope": "対象外", None: "未対応"}


def broadcast_status(status: str) -> str:
    return BROADCAST_STATUS.get(status, status)


def delivery_status(status: str) -> str:
    return DELIVERY_STATUS.get(status, status)


def broadcast_kind(kind: str) -> str:
    return BROADCAST_KIND.get(kind, kind)


def channel_label(channel: str) -> str:
    return CHANNELS.get(channel, channel)


def mark_label(mark: str | None) -> str:
    return MARKS.get(mark, mark or "")


def tokyo_time(value: str | datetime | None, seconds: bool = False) -> str:
    """A stored timestamp (ISO, UTC when it has no zone) in Japan time; "" for none."""
    if not value:
        return ""
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(TOKYO).strftime("%Y/%m/%d %H:%M:%S" if seconds else "%Y/%m/%d %H:%M")
