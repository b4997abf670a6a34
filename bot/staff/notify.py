"""Telling staff: the message to the support staff when a shop listing edit is refused.

Lives here: ``refused_listing_text`` and ``support_notifier``, which builds the callback
``bot.data.watch.ShopWatcher`` calls with the problems: every staff member allowed to
edit the shop listing (support, admin) is sent the file, line and field of each problem
through the sender of their channel (``telegram:ID`` and ``line:ID`` are also the keys
of their private chats), and the refusal is written to the audit log. Members on a
channel with no sender here (``cli:`` names) are told by the log only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Mapping

from bot.broadcast.sender import Sender
from bot.staff.roles import StaffDirectory
from bot.store.audit import AuditLog

log = logging.getLogger(__name__)

SHOWN = 10  # problems listed in the message; the rest are counted


def refused_listing_text(path: Path, problems: list[str], current: int | None = None) -> str:
    lines = [f"店舗一覧 {path.name} の変更を反映できませんでした（誤り {len(problems)}件）。"]
    lines.append("以前の正しい一覧" + (f"（{current}件）" if current is not None else "") + "のまま動いています。")
    lines.append("直してから保存し直してください（保存前の確認: madoguchi shops check）。")
    lines += [f"・{p}" for p in problems[:SHOWN]]
    if len(problems) > SHOWN:
        lines.append(f"ほか {len(problems) - SHOWN}件")
    return "\n".join(lines)


def support_notifier(
    staff: StaffDirectory,
    senders: Mapping[str, Sender],
    audit: AuditLog | None = None,
    current: Callable[[], int] | None = None,
):
    """The ``on_error`` callback of a ``ShopWatcher`` that tells the support staff."""

    async def notify(path: Path, problems: list[str]) -> None:
        text = refused_listing_text(path, problems, current() if current else None)
        told = []
        for member in staff.members_with("shops"):
            channel = member.id.partition(":")[0]
            sender = senders.get(channel)
            if sender is None:
                continue
            try:
                answer = await sender.send([member.id], text, key=f"madoguchi-shops-refused-{member.id}-{len(problems)}")
                if getattr(answer.get(member.id), "status", None) == "sent":
                    told.append(member.id)
            except Exception:  # noqa: BLE001
                log.warning("could not tell %s about the refused listing", member.id, exc_info=True)
        if audit is not None:
            await audit.record("system:watcher", "shops.reload", str(path),
                               f"refused: {len(problems)} problem(s); told {', '.join(told) or 'nobody'}")  # fmt: skip

    return notify
