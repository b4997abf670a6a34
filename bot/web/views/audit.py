"""The audit log screen (admin, as ``madoguchi staff audit``): who did what, when, on what
and how it ended, filtered by member, action and date; times in Asia/Tokyo (the date
filter is a Japan day, turned into its UTC range for the search).

Lives here: ``routes``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web

from bot.clock import TOKYO
from bot.web.console import CONSOLE
from bot.web.pages import BadInput, field, member_of, render

routes = web.RouteTableDef()


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise BadInput(f"「{name}」は 2026-12-03 のように入力してください") from None


def _utc(day: date) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=TOKYO).astimezone(UTC).isoformat()


@routes.get("/audit")
async def audit(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    member = member_of(request)
    await console.guard.require_admin(member.id, "staff.audit")
    q = request.query
    actor, action = field(q, "member", "担当者", 200), field(q, "action", "操作", 100)
    since, until = (
        _day(field(q, "since", "いつから", 10), "いつから"),
        _day(field(q, "until", "いつまで", 10), "いつまで"),
    )
    entries = await console.guard.audit.search(
        actor or None,
        action or None,
        _utc(since) if since else None,
        _utc(until + timedelta(days=1)) if until else None,
        limit=500,
    )
    return render(
        request,
        "audit.html",
        {
            "entries": entries,
            "actions": await console.guard.audit.actions(),
            "members": [m.id for m in console.staff.members_with("stats")],
            "f": {"member": actor, "action": action, "since": since or "", "until": until or ""},
        },
    )
