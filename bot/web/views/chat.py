"""The resident web chat at ``/chat``: no login, large text, big buttons, tappable phone
numbers and map links, usable on a phone and with a screen reader (the answers are read
out from a live region), and without JavaScript (each message is a form post).

Lives here: ``routes``. ``GET /chat`` greets; ``POST /chat`` (form) and ``POST /chat/say``
(JSON, from ``chat.js``) hand the message to the same engine as every channel through
``bot.channels.webchat``. A visitor is known only by a random cookie (HttpOnly,
SameSite=Strict); every post carries the CSRF token of the page.
"""

from __future__ import annotations

from aiohttp import web

from bot.channels import webchat
from bot.web.console import CONSOLE
from bot.web.pages import render
from bot.web.security import form_of, new_token, set_cookie

routes = web.RouteTableDef()
COOKIE = "madoguchi_chat"
GREETING = "intent:greeting"


def _visitor(request: web.Request) -> tuple[str, str | None]:
    """The visitor's conversation key, and a new cookie to set when they had none."""
    cookie = request.cookies.get(COOKIE, "")
    if 20 <= len(cookie) <= 100 and cookie.replace("-", "").replace("_", "").isalnum():
        return webchat.user_key(cookie), None
    fresh = new_token()
    return webchat.user_key(fresh), fresh


async def _answer(request: web.Request, user: str, text: str | None, postback: str | None) -> list[dict]:
    message = webchat.incoming(user, text, postback)
    if message is None:
        return []
    return webchat.render(await request.app[CONSOLE].bot.engine.handle(message))


def _page(request: web.Request, said: str, replies: list[dict], fresh: str | None) -> web.Response:
    response = render(request, "chat.html", {"said": said, "replies": replies})
    if fresh:
        set_cookie(response, request, COOKIE, fresh)
    return response


@routes.get("/chat")
async def chat(request: web.Request) -> web.Response:
    user, fresh = _visitor(request)
    return _page(request, "", await _answer(request, user, None, GREETING), fresh)


def _value(source, key: str) -> str | None:
    value = source.get(key)
    return value if isinstance(value, str) else None


@routes.post("/chat")
async def chat_form(request: web.Request) -> web.Response:
    user, fresh = _visitor(request)
    form = await form_of(request)
    text, postback = _value(form, "text"), _value(form, "postback")
    said = _value(form, "label") or text or ""
    return _page(request, said[: webchat.MAX_TEXT], await _answer(request, user, text, postback), fresh)


@routes.post("/chat/say")
async def chat_say(request: web.Request) -> web.Response:
    user, fresh = _visitor(request)
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "JSON のオブジェクトを送ってください"}, status=400)
    response = web.json_response(
        {"replies": await _answer(request, user, _value(body, "text"), _value(body, "postback"))}
    )
    if fresh:
        set_cookie(response, request, COOKIE, fresh)
    return response
