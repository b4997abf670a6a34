"""The home screen: for the member's municipalities, the upcoming classes, the subscribers
per city and channel, the recent broadcasts with their state, the most frequent unanswered
questions and the LINE message quota left this month; and ``GET /healthz``.

Lives here: ``routes``. Everything shown is read through the stores and the services.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.pages import allowed, render

routes = web.RouteTableDef()
TOP_CITIES = 30  # an admin's home lists the municipalities with the most subscribers


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def line_quota(console) -> str:
    """This month's LINE quota as staff read it."""
    sender = console.senders.senders.get("line")
    quota_of = getattr(sender, "quota", None)
    if quota_of is None:
        return "LINE の送信設定がありません"
    try:
        quota = await quota_of()
    except Exception:  # noqa: BLE001 - the home screen shows the rest
        return "確認できませんでした"
    if quota.remaining is None:
        return f"上限なし（今月の送信 {quota.used:,}通）"
    return f"残り {quota.remaining:,}通（上限 {quota.limit:,}通、今月の送信 {quota.used:,}通）"


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    console, member = await allowed(request, "stats", "web.home")
    cities = console.cities(member.id)
    wanted = console.filter_cities(member.id, cities)
    overview = console.stores.overview
    context: dict = {
        "cities": cities,
        "classes": None,
        "subscribers": {},
        "top_subscribers": [],
        "broadcasts": [],
        "unanswered": [],
    }
    if console.guard.allows(member.id, "classes"):
        context["classes"] = await overview.classes(wanted, since=console.clock().date(), limit=10)
    if console.guard.allows(member.id, "broadcast"):
        subscribers = await overview.subscribers(wanted)
        ranked = sorted(subscribers.items(), key=lambda kv: -sum(kv[1].values()))
        context["subscribers"] = subscribers
        context["top_subscribers"] = ranked[:TOP_CITIES]
        context["subscriber_total"] = sum(sum(per.values()) for per in subscribers.values())
        context["broadcasts"] = await console.broadcasts.visible(member.id, limit=5)  # their counts: on their page
        context["quota"] = await line_quota(console)
    if console.guard.allows(member.id, "report"):
        context["unanswered"] = await console.stores.unanswered.top(5)
    return render(request, "home.html", context)
