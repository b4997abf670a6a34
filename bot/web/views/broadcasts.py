"""The broadcasts screen: compose (a text or a digest of the city's classes), preview as
LINE and Telegram show it with the recipients per channel and the LINE quota, a test to the
member's own chat, confirm with the count, live progress with pause / resume / cancel, a
time to send later, the delivery report, and the emergency stop (admin).

Lives here: ``routes``. Everything goes through ``BroadcastService`` (checked against the
member's role and municipality, audited) and the process's ``BroadcastEngine``
(``bot.web.runs``); what the preview shows is what is sent: the confirm carries the
preview's SHA-256 and is refused when the text has changed since.
"""

from __future__ import annotations

import hashlib
import io
import time
from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from bot.broadcast.digest import MAX_CHARS
from bot.clock import TOKYO
from bot.data.spreadsheet import safe_writer
from bot.staff.words import delivery_status, tokyo_time
from bot.web.console import CONSOLE
from bot.web.pages import (
    BadInput,
    allowed,
    choice,
    field,
    member_of,
    number,
    path_id,
    render,
)
from bot.web.security import form_of
from bot.web.views.home import line_quota

routes = web.RouteTableDef()
CHANNELS = ("line", "telegram", "console")
LIMITS = {"line": 5000, "telegram": 4096}


def _send_at(value: str) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=TOKYO)
        except ValueError:
            continue
    raise BadInput("「送信日時」は 2026-12-01 10:00 のように入力してください（日本時間）")


def _compose(form) -> dict:
    """The composed broadcast as typed (checked, not yet previewed)."""
    channels = [c for c in form.getall("channel", []) if isinstance(c, str)] if hasattr(form, "getall") else []
    if any(c not in CHANNELS for c in channels):
        raise BadInput("「チャネル」の値が正しくありません")
    return {
        "city": field(form, "city", "市町", 50, required=True),
        "kind": choice(form, "kind", "種類", ("text", "digest"), "text"),
        "text": field(form, "text", "本文", MAX_CHARS * 2),
        "days": number(form, "days", "日数", 1, 90, 14),
        "level": field(form, "level", "レベル", 10),
        "topic": field(form, "topic", "話題", 40),
        "channels": channels,
        "send_at": field(form, "send_at", "送信日時", 30),
    }


async def _preview(console, member, typed: dict):
    return await console.broadcasts.preview(
        member.id,
        typed["city"],
        text=typed["text"],
        digest=typed["kind"] == "digest",
        channels=typed["channels"] or None,
        send_at=_send_at(typed["send_at"]),
        senders=console.senders.senders,
        days=typed["days"],
        level=_known(typed["level"], [lv.name for lv in console.knowledge.programme.levels], "レベル"),
        topic=_known(typed["topic"], [t.id for t in console.knowledge.programme.topics], "話題"),
    )


def _known(value: str, known: list[str], name: str) -> str | None:
    if value and value not in known:
        raise BadInput(f"「{name}」の値が正しくありません")
    return value or None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def _show_preview(request, console, member, typed, message: str = "", status: int = 200) -> web.Response:
    preview = await _preview(console, member, typed)
    own = member.id.partition(":")[0]
    return render(
        request,
        "broadcast_preview.html",
        {
            "p": preview,
            "typed": typed,
            "hash": _digest(preview.text),
            "message": message,
            "limits": LIMITS,
            "quota": await line_quota(console) if "line" in preview.recipients else "",
            "test_to": member.id if own in console.senders.senders and own != "console" else None,
        },
        status=status,
    )


@routes.get("/broadcasts")
async def list_broadcasts(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    rows = await console.broadcasts.visible(member.id, limit=50)
    store = console.stores.broadcasts
    listed = [(r, await store.counts(r.id)) for r in rows]
    return render(request, "broadcasts.html", {"rows": listed, "message": request.query.get("done", "")[:200]})


@routes.get("/broadcasts/new")
async def new(request: web.Request) -> web.Response:
    console, member = await allowed(request, "broadcast", "broadcast.preview")
    cities = console.cities(member.id)
    programme = console.knowledge.programme
    return render(
        request,
        "broadcast_new.html",
        {
            "cities": cities,
            "channels": CHANNELS,
            "available": sorted(console.senders.senders),
            "levels": [lv.name for lv in programme.levels],
            "topics": [(t.id, t.label.get("ja")) for t in programme.topics],
        },
    )


@routes.post("/broadcasts/preview")
async def preview(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    return await _show_preview(request, console, member, _compose(await form_of(request)))


@routes.post("/broadcasts/test")
async def test_send(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    typed = _compose(await form_of(request))
    preview = await _preview(console, member, typed)
    channel = member.id.partition(":")[0]
    sender = console.senders.senders.get(channel)
    if sender is None or channel == "console":
        raise BadInput(f"{member.id} にはテスト送信できません（Telegram か LINE の担当者 ID で登録してください）")
    key = f"madoguchi-test-{_digest(member.id + preview.text)[:16]}-{int(time.time())}"
    answer = await sender.send([member.id], "【テスト送信】\n" + preview.text, key=key)
    result = answer.get(member.id)
    ok = getattr(result, "status", None) == "sent"
    await console.guard.record(
        member.id,
        "broadcast.test",
        f"{preview.municipality} → {member.id}",
        "sent" if ok else f"failed: {getattr(result, 'error', None)}"[:300],
    )
    message = (
        f"{member.id} にテスト送信しました。" if ok else f"テスト送信できませんでした: {getattr(result, 'error', '')}"
    )
    return await _show_preview(request, console, member, typed, message)


@routes.post("/broadcasts/confirm")
async def confirm(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    form = await form_of(request)
    typed = _compose(form)
    previewed = await _preview(console, member, typed)
    if _digest(previewed.text) != field(form, "hash", "確認", 100):
        return await _show_preview(
            request,
            console,
            member,
            typed,
            "プレビューのあとで内容が変わりました。確かめてから、もう一度送信してください。",
            status=409,
        )
    broadcast_id = await console.broadcasts.confirm(previewed)
    if previewed.send_at is None:
        console.runs.start(member.id, broadcast_id)
    raise web.HTTPFound(f"/broadcasts/{broadcast_id}")


async def _own(request, console, member, name: str):
    return await console.broadcasts._own(member.id, path_id(request), name)


def _progress(row, counts: dict, running: bool) -> dict:
    from bot.staff.words import broadcast_status

    total = sum(counts.values())
    done = counts["sent"] + counts["failed"] + counts["blocked"]
    return {
        "id": row.id,
        "status": row.status,
        "state": broadcast_status(row.status),
        "running": running,
        "sent": counts["sent"],
        "failed": counts["failed"],
        "blocked": counts["blocked"],
        "pending": counts["pending"] + counts["in_flight"],
        "total": total,
        "done": done,
    }


@routes.get("/broadcasts/{id}")
async def show(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    row = await _own(request, console, member, "broadcast.status")
    store = console.stores.broadcasts
    counts = await store.counts(row.id)
    return render(
        request,
        "broadcast_show.html",
        {
            "b": row,
            "p": _progress(row, counts, console.runs.running(row.id)),
            "errors": await store.errors(row.id, limit=10),
            "message": request.query.get("done", "")[:200],
        },
    )


@routes.get("/broadcasts/{id}/progress")
async def progress(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    row = await _own(request, console, member, "broadcast.status")
    counts = await console.stores.broadcasts.counts(row.id)
    return web.json_response(_progress(row, counts, console.runs.running(row.id)))


@routes.post("/broadcasts/{id}/{action:pause|resume|cancel|start}")
async def act(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    action = request.match_info["action"]
    row = await _own(request, console, member, f"broadcast.{action}")
    target = f"#{row.id} {row.municipality}"
    if action == "pause":
        ok = await console.runs.pause(row.id)
        await console.guard.record(
            member.id, "broadcast.pause", target, "paused" if ok else "refused: not running here"
        )
        message = "一時停止しました。" if ok else "この画面から送信中の配信ではありません。"
    elif action in ("resume", "start"):
        ok = row.status in ("paused", "ready", "sending") and console.runs.start(member.id, row.id)
        await console.guard.record(
            member.id, f"broadcast.{action}", target, "started" if ok else f"refused: {row.status}"
        )
        message = "送信を再開しました。" if ok else "再開できる状態ではありません。"
    else:
        await console.runs.pause(row.id)
        ok = await console.broadcasts.cancel(member.id, row.id)
        message = "取り消しました。送信済みの分はそのままです。" if ok else "もう終わっているため取り消せません。"
    raise web.HTTPFound(f"/broadcasts/{row.id}?done={quote(message)}")


@routes.get("/broadcasts/{id}/report.csv")
async def report(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    member = member_of(request)
    row = await _own(request, console, member, "broadcast.report")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="broadcast-{row.id}.csv"',
        }
    )
    await response.prepare(request)
    await response.write("\ufeff配信番号,利用者,チャネル,状態,試行回数,エラー,更新日時\r\n".encode("utf-8"))
    async for batch in console.stores.overview.deliveries(row.id):
        out = io.StringIO(newline="")
        writer = safe_writer(out, lineterminator="\r\n")
        writer.writerows(
            [row.id, key, channel, delivery_status(status), attempts, error or "", tokyo_time(at, seconds=True)]
            for key, channel, status, attempts, error, at in batch
        )
        await response.write(out.getvalue().encode("utf-8"))
    await console.guard.record(member.id, "broadcast.report", f"#{row.id} {row.municipality}", "downloaded")
    await response.write_eof()
    return response


@routes.post("/broadcasts/emergency-stop")
async def emergency_stop(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    await console.guard.require_admin(member.id, "broadcast.emergency_stop")
    paused = await console.runs.stop_all()
    for hook in list(console.halt_hooks):
        await hook()
    paused = sorted(set(paused) | set(await console.broadcasts.store.halt_sending()))  # other processes' runs too
    cancelled = []
    for row in await console.broadcasts.store.list(limit=100_000, statuses=("scheduled", "ready")):
        if await console.broadcasts.cancel(member.id, row.id):
            cancelled.append(row.id)
    await console.guard.record(member.id, "broadcast.emergency_stop", None, f"paused {paused}; cancelled {cancelled}")
    message = (
        f"緊急停止しました: 送信中の {len(paused)}件を一時停止、予約・送信待ちの {len(cancelled)}件を取り消しました。"
    )
    raise web.HTTPFound(f"/broadcasts?done={quote(message)}")
