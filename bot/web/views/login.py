"""Logging in and out of the web console.

Lives here: ``routes``. ``GET /login`` is the form (``member``, ``password``, hidden ``csrf``);
``POST /login`` checks it (``bot.web.passwords.check_login``: Argon2, the same answer for a
wrong name or password, a lock after five failures) and starts a session; ``POST /logout``
ends it. Every login, failed or not, and every logout is in the audit log.
"""

from __future__ import annotations

import time

from aiohttp import web

from bot.web.console import CONSOLE
from bot.web.pages import clean, render
from bot.web.passwords import check_login, member_id
from bot.web.security import (
    PRE_COOKIE,
    SESSION_COOKIE,
    form_of,
    new_token,
    set_cookie,
    visit,
)

routes = web.RouteTableDef()


def _next(value: str) -> str:
    """Only a path of this site (never ``//elsewhere`` or a full URL)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    if visit(request).member is not None:
        raise web.HTTPFound("/")
    nxt = _next(clean(request.query.get("next", "/"), "next", 500))
    return render(request, "login.html", {"next": nxt, "message": "", "typed": ""})


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    form = await form_of(request)
    typed = clean(form.get("member"), "担当者名", 200).strip()
    password = form.get("password")
    nxt = _next(clean(form.get("next", "/"), "next", 500))
    if not typed or not isinstance(password, str) or not password:
        return render(
            request,
            "login.html",
            {"next": nxt, "message": "担当者名とパスワードを入力してください", "typed": typed},
            status=401,
        )
    result = await check_login(console.stores.staff_logins, console.staff, typed, password)
    await console.guard.record(member_id(typed)[:200], "web.login", request.remote, result.outcome)
    if result.member is None:
        return render(request, "login.html", {"next": nxt, "message": result.message, "typed": typed}, status=401)
    token = new_token()
    await console.sessions.create(token, result.member.id, time.time())
    response = web.HTTPFound(nxt)
    set_cookie(response, request, SESSION_COOKIE, token)
    response.del_cookie(PRE_COOKIE, path="/")
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    v = visit(request)
    if v.session_token and v.member:
        await console.sessions.end(v.session_token)
        await console.guard.record(v.member.id, "web.logout", None, "ok")
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
