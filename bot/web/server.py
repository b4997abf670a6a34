"""The aiohttp application of ``madoguchi web``: templates, static assets, middlewares, routes.

Lives here: ``make_app(console)``. Templates (Jinja2, HTML autoescaped) and assets are
files of this package, served from here (closed city-hall networks: no CDN). The
middlewares run outside in: security headers, error pages, session and CSRF. Touches
nothing itself; the screens are ``bot.web.views``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.staff import words
from bot.web import pages, security
from bot.web.console import CONSOLE, Console
from bot.web.views import (
    audit,
    broadcasts,
    chat,
    classes,
    home,
    login,
    shops,
    unanswered,
)

HERE = Path(__file__).parent
MAX_UPLOAD = 8 * 1024 * 1024


def _asset_url(name: str) -> str:
    """``/static/NAME?v=…``: the version changes with the file, so a browser never keeps an old one."""
    digest = hashlib.sha256((HERE / "static" / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def make_app(console: Console) -> web.Application:
    app = web.Application(middlewares=[security.headers, pages.errors, security.session], client_max_size=MAX_UPLOAD)
    app[CONSOLE] = console
    env = aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(
        tokyo=words.tokyo_time,
        status=words.broadcast_status,
        delivery=words.delivery_status,
        kind=words.broadcast_kind,
        channel=words.channel_label,
        mark=words.mark_label,
    )
    env.globals["static"] = _asset_url
    for module in (home, login, classes, broadcasts, shops, unanswered, audit, chat):
        app.router.add_routes(module.routes)
    app.router.add_static("/static", HERE / "static")

    async def stop_runs(app: web.Application) -> None:
        await app[CONSOLE].runs.stop_all()

    app.on_shutdown.append(stop_runs)
    return app
