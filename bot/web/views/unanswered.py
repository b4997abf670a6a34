"""The unanswered questions screen: the messages the bot could not answer (kept without user
identity by ``UnansweredLog``), most frequent first with their counts; each can be marked
handled or out of scope (``UnansweredMarks``); a CSV download. Needs the ``report``
permission, as ``madoguchi report unanswered``; every mark and download is audited.

Lives here: ``routes``.
"""

from __future__ import annotations

import io

from aiohttp import web

from bot.data.spreadsheet import safe_writer
from bot.staff.words import mark_label
from bot.store.unanswered_marks import MARKS
from bot.web.pages import allowed, choice, download, field, render
from bot.web.security import form_of

routes = web.RouteTableDef()
SHOWN = 200


async def _rows(console, show: str):
    marks = await console.stores.unanswered_marks.all()
    rows = [(m, marks.get((m.text, m.lang))) for m in await console.stores.unanswered.top(SHOWN)]
    if show == "open":
        rows = [(m, mark) for m, mark in rows if mark is None]
    return rows


@routes.get("/unanswered")
async def unanswered(request: web.Request) -> web.Response:
    console, member = await allowed(request, "report", "web.unanswered")
    show = choice(request.query, "show", "表示", ("open", "all"), "open")
    distinct, total = await console.stores.unanswered.total()
    return render(
        request,
        "unanswered.html",
        {"rows": await _rows(console, show), "show": show, "distinct": distinct, "total": total},
    )


@routes.post("/unanswered/mark")
async def mark(request: web.Request) -> web.Response:
    console, member = await allowed(request, "report", "report.mark")
    form = await form_of(request)
    text = field(form, "text", "質問", 400, required=True)
    lang = choice(form, "lang", "言語", ("ja", "en"), "ja")
    chosen = choice(form, "mark", "区分", (*MARKS, "open"), "handled")
    await console.stores.unanswered_marks.set(text, lang, None if chosen == "open" else chosen, member.id)
    await console.guard.record(member.id, "report.mark", text[:100], mark_label(None if chosen == "open" else chosen))
    raise web.HTTPFound("/unanswered")


@routes.get("/unanswered.csv")
async def unanswered_csv(request: web.Request) -> web.Response:
    console, member = await allowed(request, "report", "report.unanswered")
    out = io.StringIO(newline="")
    writer = safe_writer(out, lineterminator="\r\n")
    writer.writerow(["質問", "言語", "回数", "最初の日", "最後の日", "対応"])
    for m, mk in await _rows(console, "all"):
        text = ("'" + m.text) if m.text[:1] in "=+-@" else m.text  # never a formula in Excel
        writer.writerow([text, m.lang, m.count, m.first_day, m.last_day, mark_label(mk)])
    await console.guard.record(member.id, "report.unanswered", None, "downloaded")
    return download(("\ufeff" + out.getvalue()).encode("utf-8"), "答えられなかった質問.csv", "text/csv; charset=utf-8")
