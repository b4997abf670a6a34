"""The classes screen: upload a city hall's CSV, see the dry run, import; list and filter;
cancel a class with a notice; download the portal CSV and the newsletter text.

Lives here: ``routes``. The file is read and checked by ``bot.classes.csv_io.read_schedule``
(UTF-8, BOM, CP932, UTF-16; every error by row and column in Japanese), planned and applied
by ``bot.classes.importer`` (all-or-nothing, or only the valid rows), exported by
``bot.classes.export``; a municipal member may only touch their municipalities (the same
``allowed`` check as ``madoguchi classes import``). An upload is kept in memory, for its
member only, until it is imported or an hour has passed. Every action is audited.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bot.classes.csv_io import read_schedule
from bot.classes.export import NotEncodable, to_csv, to_newsletter
from bot.classes.importer import apply_plan, plan_import
from bot.store.schedule import month_bounds
from bot.web.console import CONSOLE
from bot.web.pages import (
    BadInput,
    allowed,
    choice,
    clean,
    download,
    field,
    member_of,
    number,
    path_id,
    render,
)
from bot.web.security import form_of

routes = web.RouteTableDef()
PAGE = 50
UPLOAD_TTL = 3600
MAX_UPLOADS = 20


def _month(value: str) -> str | None:
    if not value:
        return None
    try:
        month_bounds(value)
    except ValueError:
        raise BadInput("「月」は 2026-12 のように入力してください") from None
    return value


async def _city(console, member, value: str | None, name: str) -> list[str]:
    """The municipalities a filter covers: the one chosen (checked: it must be the member's) or all of theirs."""
    if not value:
        return console.cities(member.id)
    if console.knowledge.municipality(value) is None:
        raise BadInput(f"{console.knowledge.municipalities.prefecture.name}の市町ではありません: {value}")
    await console.guard.require(member.id, "classes", value, name=name)
    return [value]


@routes.get("/classes")
async def list_classes(request: web.Request) -> web.Response:
    console, member = await allowed(request, "classes", "web.classes")
    q = request.query
    city = field(q, "city", "市町", 50)
    month = _month(field(q, "month", "月", 10))
    text = field(q, "q", "会場・講座名", 100)
    page = number(q, "page", "ページ", 1, 10_000, 1)
    cities = await _city(console, member, city, "web.classes")
    since = None if month else console.clock().date()
    found = await console.stores.overview.classes(
        console.filter_cities(member.id, cities), month, since, text or None, PAGE, (page - 1) * PAGE
    )
    pages = max(1, (found.total + PAGE - 1) // PAGE)
    return render(
        request,
        "classes.html",
        {
            "found": found,
            "page": page,
            "pages": pages,
            "city": city,
            "month": month or "",
            "q": text,
            "cities": console.cities(member.id),
            "this_month": console.clock().strftime("%Y-%m"),
        },
    )


def _forget_old(console) -> None:
    now = time.time()
    for key in [k for k, (_, _, _, at) in console.uploads.items() if now - at > UPLOAD_TTL]:
        del console.uploads[key]
    while len(console.uploads) >= MAX_UPLOADS:
        console.uploads.pop(next(iter(console.uploads)))


async def _plan(console, member, name: str, data: bytes, valid_only: bool):
    suffix = ".yaml" if name.lower().endswith((".yaml", ".yml")) else ".csv"
    with tempfile.TemporaryDirectory(prefix="madoguchi-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        schedule = read_schedule(
            path,
            console.knowledge,
            console.bot.shops,
            allowed=lambda city: console.guard.allows(member.id, "classes", city),
            today=console.clock().date(),
        )
    return schedule, await plan_import(console.stores.schedule, schedule, valid_only=valid_only)


@routes.post("/classes/upload")
async def upload(request: web.Request) -> web.Response:
    console, member = await allowed(request, "classes", "classes.import")
    form = await form_of(request)
    upload_field = form.get("file")
    if upload_field is None or isinstance(upload_field, str) or not hasattr(upload_field, "file"):
        raise BadInput("CSV ファイルを選んでください")
    name = clean((upload_field.filename or "upload.csv")[:200], "ファイル名", 200) or "upload.csv"
    data = upload_field.file.read()
    if not data:
        raise BadInput("ファイルが空です")
    schedule, plan = await _plan(console, member, name, data, valid_only=False)
    _forget_old(console)
    upload_id = secrets.token_urlsafe(16)
    console.uploads[upload_id] = (member.id, name, data, time.time())
    await console.guard.record(member.id, "classes.import", name, f"dry-run: {plan.summary()}")
    return render(request, "classes_plan.html", {"schedule": schedule, "plan": plan, "name": name, "upload": upload_id})


@routes.post("/classes/import")
async def do_import(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    form = await form_of(request)
    upload_id = field(form, "upload", "ファイル", 100, required=True)
    mode = choice(form, "mode", "取り込み方", ("all", "valid"), "all")
    kept = console.uploads.get(upload_id)
    if kept is None or kept[0] != member.id:
        raise BadInput("ファイルの有効期限が切れました。もう一度アップロードしてください")
    _, name, data, _ = kept
    await console.guard.require(member.id, "classes", target=name, name="classes.import")
    schedule, plan = await _plan(console, member, name, data, valid_only=mode == "valid")
    if plan.refusal:
        await console.guard.record(member.id, "classes.import", name, f"refused: {plan.summary()}")
        return render(
            request,
            "classes_plan.html",
            {"schedule": schedule, "plan": plan, "name": name, "upload": upload_id},
            status=400,
        )
    await apply_plan(console.stores.schedule, plan)
    console.uploads.pop(upload_id, None)
    await console.guard.record(member.id, "classes.import", name, f"imported: {plan.summary()}")
    return render(
        request,
        "classes_done.html",
        {"plan": plan, "name": name, "skipped": schedule.bad_rows if mode == "valid" else 0},
    )


def cancel_notice(c) -> str:
    return (
        f"【講座中止のお知らせ】\n{c.day:%Y年%m月%d日} {c.start}〜 {c.venue}\n「{c.title}」は中止になりました。\n"
        f"ご不便をおかけして申し訳ありません。お問い合わせ: {c.phone}"
    )


async def _class_of(request, console, member, name: str):
    c = await console.stores.schedule.get(path_id(request))
    if c is None:
        raise web.HTTPNotFound(text="その講座はありません")
    await console.guard.require(member.id, "classes", c.municipality, target=f"#{c.id} {c.municipality}", name=name)
    return c


@routes.get("/classes/{id}/cancel")
async def cancel_preview(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    c = await _class_of(request, console, member, "classes.cancel")
    holders = await console.stores.overview.reminder_holders(c.id)
    audience = await console.broadcasts.store.audience(c.municipality)
    return render(
        request,
        "class_cancel.html",
        {
            "c": c,
            "notice": cancel_notice(c),
            "holders": len(holders),
            "subscribers": sum(audience.values()),
            "may_broadcast": console.guard.allows(member.id, "broadcast", c.municipality),
        },
    )


@routes.post("/classes/{id}/cancel")
async def cancel(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    form = await form_of(request)
    c = await _class_of(request, console, member, "classes.cancel")
    tell_holders = form.get("tell_holders") == "1"
    tell_city = form.get("tell_city") == "1"
    notice = cancel_notice(c)
    told = 0
    if tell_holders:
        for key in await console.stores.overview.reminder_holders(c.id):
            sender = console.senders.senders.get(key.partition(":")[0])
            if sender is None:
                continue
            answer = await sender.send([key], notice, key=f"madoguchi-class-cancel-{c.id}-{key}")
            told += getattr(answer.get(key), "status", None) == "sent"
    await console.stores.schedule.remove([c.id])
    broadcast_id = None
    if tell_city:
        preview = await console.broadcasts.preview(
            member.id, c.municipality, text=notice, senders=console.senders.senders
        )
        broadcast_id = await console.broadcasts.confirm(preview)
        console.runs.start(member.id, broadcast_id)
    await console.guard.record(
        member.id,
        "classes.cancel",
        f"#{c.id} {c.municipality}",
        f"removed; reminder holders told {told}; broadcast {broadcast_id or '-'}",
    )
    return render(request, "class_cancelled.html", {"c": c, "told": told, "broadcast_id": broadcast_id})


@routes.get("/classes/export")
async def export(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    q = request.query
    month = _month(field(q, "month", "月", 10, required=True))
    city = field(q, "city", "市町", 50)
    fmt = choice(q, "format", "形式", ("csv", "newsletter"), "csv")
    encoding = choice(q, "encoding", "文字コード", ("cp932", "utf-8-sig"), "utf-8-sig")
    cities = await _city(console, member, city, "classes.export")
    everywhere = console.guard.scope(member.id) is None
    target = f"{city or ('*' if everywhere else ','.join(cities))} {month} {fmt}"
    for one in cities if city or not everywhere else [None]:
        await console.guard.require(member.id, "classes", one, target=target, name="classes.export")
    sessions = await console.stores.schedule.in_month(None if everywhere and not city else cities, month)
    if fmt == "newsletter":
        text = to_newsletter(sessions, month, console.knowledge)
        await console.guard.record(member.id, "classes.export", target, f"ok: {len(sessions)} classes")
        return render(request, "newsletter.html", {"text": text, "month": month, "city": city, "count": len(sessions)})
    try:
        data = to_csv(sessions, encoding)
    except NotEncodable as exc:
        await console.guard.record(member.id, "classes.export", target, f"refused: {exc}"[:300])
        raise BadInput(str(exc).replace("--encoding utf-8-sig", "UTF-8（BOM付き）")) from None
    await console.guard.record(member.id, "classes.export", target, f"ok: {len(sessions)} classes")
    charset = "shift_jis" if encoding == "cp932" else "utf-8"
    return download(data, f"講座_{city or '担当市町'}_{month}.csv", f"text/csv; charset={charset}")
