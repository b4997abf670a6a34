"""Sessions, CSRF and safe answers for every request of the web console.

Lives here: the ``session`` middleware (the member of a live session, or an anonymous
visitor's pre-session cookie; the CSRF token of either), the ``csrf`` check (every POST
carries the token as the ``csrf`` form field or the ``X-CSRF-Token`` header: without it,
403 and nothing runs), ``set_cookie`` (HttpOnly, SameSite=Strict, Secure when the request
came over HTTPS, directly or through a proxy's ``X-Forwarded-Proto``), ``csrf_for`` and the ``headers``
middleware (a Content-Security-Policy that allows only this server's own scripts and styles).
Tokens and cookies never reach a log: only their SHA-256 is stored, and nothing here logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.staff.roles import StaffMember
from bot.web.console import CONSOLE

SESSION_COOKIE = "madoguchi_session"
PRE_COOKIE = "madoguchi_pre"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class CsrfRefused(Exception):
    """A POST without the right CSRF token (answered 403; nothing ran)."""


@dataclass
class Visit:
    """Who is asking (``member`` None: anonymous) and the CSRF token their forms carry."""

    csrf: str
    member: StaffMember | None = None
    session_token: str | None = None
    form: Any = None


VISIT = web.RequestKey("visit", Visit)


def visit(request: web.Request) -> Visit:
    return request[VISIT]


def is_https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="Strict", secure=is_https(request), path="/")


def _token(value: str | None) -> str | None:
    return value if value and _TOKEN.match(value) else None


def csrf_for(cookie: str) -> str:
    """The CSRF token of the forms of a session (or of a visitor's pre-session cookie): an HMAC
    keyed by the cookie, so it is stored nowhere, reveals nothing of the cookie, and a page
    of another site — which cannot read the cookie — cannot make it."""
    return hmac.new(cookie.encode(), b"madoguchi-csrf", hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@web.middleware
async def session(request: web.Request, handler):
    console = request.app[CONSOLE]
    token = _token(request.cookies.get(SESSION_COOKIE))
    found = await console.sessions.get(token, time.time()) if token else None
    member = console.staff.member(found.member) if found else None  # removed from the file: logged out
    fresh_pre = None
    if member is not None:
        request[VISIT] = Visit(csrf_for(token), member, token)
    else:
        pre = _token(request.cookies.get(PRE_COOKIE))
        if pre is None:
            pre = fresh_pre = new_token()
        request[VISIT] = Visit(csrf_for(pre))
    try:
        if request.method not in ("GET", "HEAD"):
            await _check_csrf(request)
        response = await handler(request)
    except web.HTTPException as exc:
        if fresh_pre:
            set_cookie(exc, request, PRE_COOKIE, fresh_pre)
        raise
    if fresh_pre:
        set_cookie(response, request, PRE_COOKIE, fresh_pre)
    return response


async def form_of(request: web.Request):
    """The posted form (read once; an unreadable body is an empty form)."""
    v = request[VISIT]
    if v.form is None:
        try:
            v.form = await request.post()
        except web.HTTPException:
            raise
        except Exception:  # noqa: BLE001 - a malformed body is a refused form, not a crash
            v.form = {}
    return v.form


async def _check_csrf(request: web.Request) -> None:
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        value = (await form_of(request)).get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode("utf-8", "replace"), request[VISIT].csrf.encode()):
        raise CsrfRefused(
            "不正な送信です（確認用のトークンがありません）。ページを開き直してから、もう一度操作してください。"
        )


@web.middleware
async def headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure(exc)
        raise
    _secure(response)
    return response


def _secure(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
