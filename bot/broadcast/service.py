"""What staff do with broadcasts, checked and audited: preview, confirm, send, schedule,
cancel, resume, list.

Lives here: ``BroadcastService``, ``Preview`` and ``BroadcastRefused``. A broadcast starts
as a ``Preview`` (nothing stored): the exact text (a staff text, or a digest of the
municipality's upcoming classes generated now), how many residents it would reach per
channel, and which channels cannot deliver here. Only ``confirm(preview)`` stores it —
to start at once or at ``send_at`` (a scheduled broadcast, kept in the database, survives
restarts). What the preview shows is what is sent. ``send`` runs it through the
``BroadcastEngine``. Every call checks the staff member's permission for the
municipality (``StaffGuard``) and writes the audit log, refusals included. Used by the
CLI (``madoguchi broadcast``) and meant for the channels' staff chat commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.broadcast.digest import DAYS, MAX_CHARS, build_digest
from bot.broadcast.engine import BroadcastEngine, Report
from bot.broadcast.sender import Sender
from bot.broadcast.shortfall import shortfall_text
from bot.clock import TOKYO, SystemClock
from bot.data.knowledge import Knowledge
from bot.staff.guard import StaffGuard
from bot.store.broadcasts import BroadcastRow
from bot.store.bundle import Stores


class BroadcastRefused(Exception):
    """A broadcast that cannot be made as asked (the message says why, in Japanese)."""


@dataclass(frozen=True)
class Preview:
    actor: str
    municipality: str
    kind: str  # text | digest
    text: str
    channels: tuple[str, ...] | None
    send_at: datetime | None
    recipients: dict[str, int] = field(default_factory=dict)
    unsendable: dict[str, str] = field(default_factory=dict)  # channel → why it has no sender here
    warnings: dict[str, str] = field(default_factory=dict)  # channel → what its sender's preflight said

    @property
    def total(self) -> int:
        return sum(self.recipients.values())


def _checked_text(text: str | None) -> str:
    body = (text or "").strip()
    if not body:
        raise BroadcastRefused("本文が空です")
    if len(body) > MAX_CHARS:
        raise BroadcastRefused(f"本文が長すぎます（{len(body)}文字。{MAX_CHARS}文字まで）")
    return body


class BroadcastService:
    def __init__(
        self, stores: Stores, knowledge: Knowledge, guard: StaffGuard, clock: Callable[[], datetime] | None = None
    ):
        self.stores = stores
        self.knowledge = knowledge
        self.guard = guard
        self.clock = clock or SystemClock()
        self.store = stores.broadcasts

    def resolve(self, name: str) -> str:
        """The municipality's full name for its name, short name or kana (「宇部」→「宇部市」);
        an unknown name as given."""
        wanted = " ".join((name or "").split())
        for m in self.knowledge.municipalities.municipalities:
            if wanted in (m.name, m.short, m.kana, m.short_kana):
                return m.name
        return wanted

    async def preview(
        self,
        actor: str,
        municipality: str,
        text: str | None = None,
        digest: bool = False,
        channels: list[str] | None = None,
        send_at: datetime | None = None,
        senders: Mapping[str, Sender] | None = None,
        days: int = DAYS,
        level: str | None = None,
        topic: str | None = None,
    ) -> Preview:
        municipality = self.resolve(municipality)  # 「宇部」 is 宇部市 before any permission is checked
        await self.guard.require(actor, "broadcast", municipality, name="broadcast.preview")
        if self.knowledge.municipality(municipality) is None:
            raise BroadcastRefused(
                f"{self.knowledge.municipalities.prefecture.name}の市町ではありません: {municipality!r}"
            )
        now = self.clock()
        if send_at is not None:
            send_at = send_at if send_at.tzinfo else send_at.replace(tzinfo=TOKYO)
            if send_at <= now:
                raise BroadcastRefused(f"送信日時が過去です: {send_at:%Y/%m/%d %H:%M}")
        if digest:
            kind, body = "digest", await self._digest(municipality, send_at or now, days, level, topic)
        else:
            kind, body = "text", _checked_text(text)
        recipients = await self.store.audience(municipality, channels)
        if not recipients and send_at is None:
            raise BroadcastRefused(f"{municipality}のお知らせを受け取る住民がまだいません（受信者 0人）")
        unsendable, warnings = {}, {}
        if senders is not None:
            unsendable = {c: "送信設定がありません" for c in recipients if c not in senders}
            for channel, count in recipients.items():
                preflight = getattr(senders.get(channel), "preflight", None)
                if preflight is not None:  # e.g. LINE: does this month's message quota hold it?
                    found = await preflight(count)
                    if found:
                        warnings[channel] = shortfall_text(self.knowledge, found)
        return Preview(
            actor,
            municipality,
            kind,
            body,
            tuple(channels) if channels else None,
            send_at,
            recipients,
            unsendable,
            warnings,
        )

    async def _digest(self, municipality: str, since: datetime, days: int, level: str | None, topic: str | None) -> str:
        body = await build_digest(
            self.stores.schedule, self.knowledge, municipality, since, days=days, level=level, topic=topic
        )
        if body is None:
            topic_label = next((t.label.get("ja") for t in self.knowledge.programme.topics if t.id == topic), topic)
            which = "".join(f"（{w}）" for w in (level, topic_label) if w)
            raise BroadcastRefused(
                f"{municipality}には、これから{days}日間の講座{which}が登録されていません（お知らせする講座がありません）"
            )
        return body

    async def confirm(self, preview: Preview) -> int:
        """Store the previewed broadcast (to send now, or at its time); its id."""
        await self.guard.require(preview.actor, "broadcast", preview.municipality, name="broadcast.confirm")
        broadcast_id = await self.store.create(
            preview.actor, preview.municipality, preview.kind, preview.text, preview.channels, preview.send_at
        )
        when = f"scheduled {preview.send_at.isoformat()}" if preview.send_at else "confirmed"
        await self.guard.record(
            preview.actor,
            "broadcast.confirm",
            f"#{broadcast_id} {preview.municipality}",
            f"{when}: {preview.kind}, {preview.total} recipients now",
        )
        return broadcast_id

    async def _own(self, actor: str, broadcast_id: int, name: str) -> BroadcastRow:
        row = await self.store.get(broadcast_id)
        if row is None:
            await self.guard.record(actor, name, f"#{broadcast_id}", "refused: no such broadcast")
            raise BroadcastRefused(f"配信 #{broadcast_id} はありません")
        await self.guard.require(
            actor, "broadcast", row.municipality, target=f"#{broadcast_id} {row.municipality}", name=name
        )
        return row

    async def send(
        self,
        actor: str,
        broadcast_id: int,
        engine: BroadcastEngine,
        stop: asyncio.Event | None = None,
        retry_failed: bool = False,
    ) -> Report:
        """Deliver (or resume) a broadcast through ``engine``; the report, audited."""
        row = await self._own(actor, broadcast_id, "broadcast.send")
        if row.status == "cancelled":
            raise BroadcastRefused(f"配信 #{broadcast_id} は取り消されています")
        target = f"#{broadcast_id} {row.municipality}"
        try:
            report = await engine.run(broadcast_id, stop=stop, retry_failed=retry_failed)
        except Exception as exc:
            await self.guard.record(actor, "broadcast.send", target, f"error: {type(exc).__name__}: {exc}"[:300])
            raise
        await self.guard.record(
            actor, "broadcast.send", target, ("done: " if report.finished else "stopped: ") + report.outcome
        )
        return report

    async def cancel(self, actor: str, broadcast_id: int) -> bool:
        row = await self._own(actor, broadcast_id, "broadcast.cancel")
        ok = await self.store.cancel(broadcast_id)
        await self.guard.record(
            actor,
            "broadcast.cancel",
            f"#{broadcast_id} {row.municipality}",
            "cancelled" if ok else f"refused: already {row.status}",
        )
        return ok

    async def visible(self, actor: str, limit: int = 20) -> list[BroadcastRow]:
        """The broadcasts this member may see (their municipalities; admin: all)."""
        await self.guard.require(actor, "broadcast", name="broadcast.list")
        scope = self.guard.scope(actor)
        rows = await self.store.list(limit=limit * 5 if scope is not None else limit)
        if scope is not None:
            rows = [r for r in rows if r.municipality in scope][:limit]
        return rows

    async def due(self, actor: str) -> list[BroadcastRow]:
        """Scheduled broadcasts whose time has come that this member may send."""
        scope = self.guard.scope(actor)
        rows = await self.store.due(self.clock())
        return [r for r in rows if scope is None or r.municipality in scope]
