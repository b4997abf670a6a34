"""Telling staff: the message to the support staff when a shop listing edit is refused.

Lives here: ``refused_listing_text`` and ``support_notifier``, which builds the callback
``bot.data.watch.ShopWatcher`` calls with the problems: every staff member allowed to
edit the shop listing (support, admin) is sent the file, line and field of each problem
through the sender of their channel (``telegram:ID`` and ``line:ID`` are also the keys
of their private chats), and the refusal is written to the audit log with what really
happened to each member (told, or not told and why). The retry key of a notice is derived
from its text, so a second, different refusal is a new message to LINE (never a 409 for a
repeat), and only a true repeat of the same notice is refused as already delivered. Members
on a channel with no sender here (``cli:`` names) are told by the log only.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

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


def notice_key(member: str, text: str) -> str:
    """The idempotency key of one notice to one member: the same notice, the same key."""
    digest = hashlib.sha256(f"{member}\n{text}".encode()).hexdigest()[:32]
    return f"madoguchi-shops-refused-{digest}"


async def _tell(sender: Sender, member: str, text: str) -> str:
    """``sent``, or what kept the notice from the member (status and reason)."""
    try:
        answer = await sender.send([member], text, key=notice_key(member, text))
    except Exception as exc:  # noqa: BLE001
        log.warning("could not tell %s about the refused listing", member, exc_info=True)
        return f"error: {type(exc).__name__}"
    result = answer.get(member)
    status = getattr(getattr(result, "status", None), "value", None) or "no answer"
    if status == "sent":
        return status
    error = getattr(result, "error", None)
    return f"{status}: {error}" if error else status


def support_notifier(
    staff: StaffDirectory,
    senders: Mapping[str, Sender],
    audit: AuditLog | None = None,
    current: Callable[[], int] | None = None,
):
    """The ``on_error`` callback of a ``ShopWatcher`` that tells the support staff."""

    async def notify(path: Path, problems: list[str]) -> None:
        text = refused_listing_text(path, problems, current() if current else None)
        told, missed = [], []
        for member in staff.members_with("shops"):
            channel = member.id.partition(":")[0]
            sender = senders.get(channel)
            if sender is None:
                continue
            outcome = await _tell(sender, member.id, text)
            if outcome == "sent":
                told.append(member.id)
            else:
                missed.append(f"{member.id} ({outcome})")
        if audit is not None:
            outcome = f"refused: {len(problems)} problem(s); told {', '.join(told) or 'nobody'}"
            if missed:
                outcome += f"; not told {', '.join(missed)}"
            await audit.record("system:watcher", "shops.reload", str(path), outcome)

    return notify
