"""The shop listing screen (support staff, admin): edit one shop in a form or the whole
listing as YAML, see every error by field and line before anything is saved, keep each
edit (who, when, what changed) and revert one.

Lives here: ``routes``. The edit is made in the file's own text (``bot.data.shop_edit``),
checked by the live reload's validator (``load_shops``), written by an atomic replace and
served at once by the running bot (the watcher then finds the same, good, content). An edit
made from a page whose file has changed since is refused, so nobody overwrites another's
edit unseen. Every save, refusal and revert is audited.
"""

from __future__ import annotations

import difflib
import hashlib
from urllib.parse import quote

from aiohttp import web

from bot.data.shop_edit import (
    EDITABLE,
    FormError,
    changes,
    check_text,
    replace_atomically,
    set_fields,
)
from bot.web.console import CONSOLE
from bot.web.pages import BadInput, allowed, clean, field, path_id, render
from bot.web.security import form_of

routes = web.RouteTableDef()
MAX_YAML = 2_000_000
LABELS = {
    "name": "店舗名",
    "name_en": "店舗名（英語）",
    "municipality": "市町",
    "address": "住所",
    "phone": "電話番号",
    "holds_classes": "講座を開いている",
}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def _allowed(request, console, name: str):
    _, member = await allowed(request, "shops", name, target=str(console.bot.shops_file))
    return member


def _text(console) -> str:
    return console.bot.shops_file.read_text(encoding="utf-8")


async def _save(console, member, before: str, after: str, directory, reverts: int | None = None) -> int:
    summary = changes(console.bot.shops.listing.shops, directory.listing.shops)
    replace_atomically(console.bot.shops_file, after)
    console.bot.shops = directory  # served from the next message on
    edit_id = await console.stores.shop_edits.add(member.id, "; ".join(summary) or "変更なし", before, after, reverts)
    await console.guard.record(
        member.id,
        "shops.revert" if reverts else "shops.edit",
        console.bot.shops_file.name,
        f"saved #{edit_id}: " + ("; ".join(summary) or "no change")[:250],
    )
    return edit_id


async def _check_and_save(console, member, before: str, after: str, refuse) -> web.Response:
    """Save ``after`` when the live reload's validator takes it; otherwise ``refuse(problems)``."""
    directory, problems = check_text(after, console.bot.shops_file, console.knowledge.municipalities.municipalities)
    if problems:
        await console.guard.record(
            member.id, "shops.edit", console.bot.shops_file.name, f"refused: {len(problems)} problem(s)"
        )
        return refuse(problems)
    edit_id = await _save(console, member, before, after, directory)
    raise web.HTTPFound(f"/shops?done={quote(f'保存しました #{edit_id}')}")


@routes.get("/shops")
async def listing(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    await _allowed(request, console, "web.shops")
    return render(
        request,
        "shops.html",
        {
            "shops": console.bot.shops.listing.shops,
            "as_of": console.bot.shops.as_of,
            "message": clean(request.query.get("done", ""), "done", 300),
        },
    )


def _index(console, shop_id: str) -> int:
    for i, shop in enumerate(console.bot.shops.listing.shops):
        if shop.id == shop_id:
            return i
    raise web.HTTPNotFound(text="その店舗はありません")


def _form_page(
    request, console, index: int, values: dict, base: str, problems=(), status: int = 200, message: str = ""
):
    by_field: dict[str, list[str]] = {}
    for p in problems:
        where = p.shop_field
        if where and where[0] == index:
            by_field.setdefault(where[1], []).append(f"{p.line}行目: {p.message}" if p.line else p.message)
    shop = console.bot.shops.listing.shops[index]
    cities = [m.name for m in console.knowledge.municipalities.municipalities]
    return render(
        request,
        "shop_edit.html",
        {
            "shop": shop,
            "values": values,
            "labels": LABELS,
            "fields": EDITABLE,
            "errors": by_field,
            "problems": problems,
            "base": base,
            "cities": cities,
            "message": message,
        },
        status=status,
    )


@routes.get("/shops/edit/{id}")
async def edit_form(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    await _allowed(request, console, "web.shops")
    index = _index(console, request.match_info["id"])
    shop = console.bot.shops.listing.shops[index]
    return _form_page(request, console, index, {k: getattr(shop, k) for k in EDITABLE}, _hash(_text(console)))


@routes.post("/shops/edit/{id}")
async def edit(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = await _allowed(request, console, "shops.edit")
    form = await form_of(request)
    index = _index(console, request.match_info["id"])
    values: dict[str, object] = {k: field(form, k, LABELS[k], 300) for k in EDITABLE if k != "holds_classes"}
    values["holds_classes"] = form.get("holds_classes") == "1"
    before = _text(console)
    base = field(form, "base", "base", 100)
    if base != _hash(before):
        return _form_page(
            request,
            console,
            index,
            values,
            _hash(before),
            status=409,
            message="このページを開いたあとで一覧が変わりました。内容を確かめて、もう一度保存してください。",
        )
    try:
        after = set_fields(before, console.bot.shops_file, index, values)
    except FormError as exc:
        raise BadInput(str(exc)) from None
    return await _check_and_save(
        console,
        member,
        before,
        after,
        lambda problems: _form_page(request, console, index, values, base, problems, status=400),
    )


@routes.get("/shops/yaml")
async def yaml_form(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    await _allowed(request, console, "web.shops")
    text = _text(console)
    return render(request, "shops_yaml.html", {"text": text, "base": _hash(text), "problems": [], "message": ""})


@routes.post("/shops/yaml")
async def yaml_save(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = await _allowed(request, console, "shops.edit")
    form = await form_of(request)
    after = clean(form.get("text"), "YAML", MAX_YAML)
    before = _text(console)
    if field(form, "base", "base", 100) != _hash(before):
        return render(
            request,
            "shops_yaml.html",
            {
                "text": after,
                "base": _hash(before),
                "problems": [],
                "message": "このページを開いたあとで一覧が変わりました。内容を確かめて、もう一度保存してください。",
            },
            status=409,
        )
    return await _check_and_save(
        console,
        member,
        before,
        after,
        lambda problems: render(
            request,
            "shops_yaml.html",
            {"text": after, "base": _hash(before), "problems": problems, "message": ""},
            status=400,
        ),
    )


@routes.get("/shops/history")
async def history(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    await _allowed(request, console, "web.shops")
    return render(request, "shops_history.html", {"edits": await console.stores.shop_edits.latest(100)})


async def _edit_of(request, console):
    edit = await console.stores.shop_edits.get(path_id(request, "edit"))
    if edit is None:
        raise web.HTTPNotFound(text="その変更はありません")
    return edit


@routes.get("/shops/history/{edit}")
async def one_edit(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    await _allowed(request, console, "web.shops")
    edit = await _edit_of(request, console)
    diff = list(
        difflib.unified_diff(edit.before.splitlines(), edit.after.splitlines(), "変更前", "変更後", lineterm="", n=2)
    )
    return render(request, "shop_diff.html", {"edit": edit, "diff": diff})


@routes.post("/shops/history/{edit}/revert")
async def revert(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = await _allowed(request, console, "shops.revert")
    edit = await _edit_of(request, console)
    before = _text(console)
    directory, problems = check_text(
        edit.before, console.bot.shops_file, console.knowledge.municipalities.municipalities
    )
    if problems:
        raise BadInput("元に戻した一覧に誤りがあるため戻せません: " + "; ".join(p.message for p in problems[:3]))
    edit_id = await _save(console, member, before, edit.before, directory, reverts=edit.id)
    raise web.HTTPFound(f"/shops/history?reverted={edit_id}")
