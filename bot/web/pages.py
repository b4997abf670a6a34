"""What every screen's handler shares: rendering a page, reading a form safely, the
member of the request, and turning the services' refusals into Japanese pages.

Lives here: ``render``, ``member_of`` (or a redirect to the login), ``allowed`` (the member when
the guard allows the action), ``field`` / ``choice`` /
``number`` (form and query values, bounded and cleaned of control characters: a hostile
value is refused with 400, never a 500), ``BadInput``, ``path_id``, ``download`` and the ``errors``
middleware (``NotPermitted`` → 403, ``BadInput`` / ``BroadcastRefused`` → 400, anything
else → a plain 500 page and a log line without the request's body or cookies).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.broadcast.service import BroadcastRefused
from bot.staff.guard import NotPermitted
from bot.staff.roles import StaffMember
from bot.web.console import CONSOLE
from bot.web.security import VISIT, CsrfRefused, visit

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
NAV = (
    ("/", "ホーム", "stats"),
    ("/classes", "講座", "classes"),
    ("/broadcasts", "配信", "broadcast"),
    ("/shops", "店舗一覧", "shops"),
    ("/unanswered", "答えられなかった質問", "report"),
    ("/audit", "操作の記録", "staff"),
)


class BadInput(Exception):
    """A form or query value that cannot be used (the message says which, in Japanese)."""


def member_of(request: web.Request) -> StaffMember:
    member = visit(request).member
    if member is None:
        target = request.path_qs if request.method == "GET" else "/"
        raise web.HTTPFound("/login?next=" + quote(target, safe=""))
    return member


async def allowed(
    request: web.Request, action: str, name: str, municipality: str | None = None, target: str | None = None
):
    """The console and the member, when the member may do ``action`` (``StaffGuard.require``:
    a refusal is audited as ``name`` and answered 403)."""
    console = request.app[CONSOLE]
    member = member_of(request)
    await console.guard.require(member.id, action, municipality, target=target, name=name)
    return console, member


def render(request: web.Request, template: str, context: dict, status: int = 200) -> web.Response:
    console = request.app[CONSOLE]
    v = request.get(VISIT)
    member = v.member if v else None
    nav = []
    if member is not None:
        for path, label, action in NAV:
            if action == "staff" and member.role != "admin":
                continue
            if action != "staff" and not console.guard.allows(member.id, action):
                continue
            nav.append((path, label))
    base = {"member": member, "csrf": v.csrf if v else "", "nav": nav, "path": request.path}
    return aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)


def clean(value: object, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"「{name}」は文字で入力してください")
    if len(value) > limit:
        raise BadInput(f"「{name}」が長すぎます（{limit:,}文字まで）")
    value = value.replace("\r\n", "\n")
    return _CONTROL.sub("", value)


def field(source, key: str, name: str, limit: int = 200, required: bool = False) -> str:
    value = clean(source.get(key), name, limit).strip()
    if required and not value:
        raise BadInput(f"「{name}」を入力してください")
    return value


def choice(source, key: str, name: str, options, default: str | None = None) -> str | None:
    value = field(source, key, name, 100)
    if not value:
        return default
    if value not in options:
        raise BadInput(f"「{name}」の値が正しくありません")
    return value


def number(source, key: str, name: str, low: int, high: int, default: int | None = None) -> int | None:
    value = field(source, key, name, 20)
    if not value:
        return default
    if not value.isascii() or not value.lstrip("-").isdigit():
        raise BadInput(f"「{name}」は数字で入力してください")
    n = int(value)
    if not low <= n <= high:
        raise BadInput(f"「{name}」は {low}〜{high} です")
    return n


def path_id(request: web.Request, key: str = "id") -> int:
    """A numeric id from the URL (404 when it is not one a row could have)."""
    value = request.match_info.get(key, "")
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise web.HTTPNotFound(text="見つかりません")
    return int(value)


def download(data: bytes, filename: str, content_type: str) -> web.Response:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return web.Response(body=data, headers={"Content-Type": content_type, "Content-Disposition": disposition})


def _problem(request: web.Request, status: int, title: str, message: str) -> web.Response:
    return render(request, "problem.html", {"title": title, "message": message}, status=status)


@web.middleware
async def errors(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except NotPermitted as exc:
        return _problem(request, 403, "権限がありません", str(exc))
    except CsrfRefused as exc:
        return _problem(request, 403, "送信できませんでした", str(exc))
    except (BadInput, BroadcastRefused) as exc:
        return _problem(request, 400, "入力を確かめてください", str(exc))
    except Exception:
        log.exception("web console: %s %s failed", request.method, request.path)
        return _problem(
            request, 500, "エラーが起きました", "内部エラーです。もう一度試して、直らなければ管理者に連絡してください。"
        )
