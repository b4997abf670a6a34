"""Serving an aiohttp application on a TCP address: the one way the bot's servers listen.

Lives here: ``HttpSite`` (``start`` → the address actually bound, useful with port 0;
``stop``) and ``health_response`` (a health endpoint's JSON: ok 200, unavailable 503).
Signals are left to ``bot.runtime``; other options go to ``web.AppRunner``
(``access_log=None`` turns the access log off, ``access_log_format`` shapes it). Used by
the LINE webhook, the Telegram webhook and ``madoguchi web``. Touches its port only.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web


def health_response(ok: bool, **details: object) -> web.Response:
    """What a monitor reads: ``{"status": "ok", **details}`` with 200, or "unavailable" with 503."""
    return web.json_response({"status": "ok" if ok else "unavailable", **details}, status=200 if ok else 503)


class HttpSite:
    """``app`` served on ``host``:``port`` between ``start`` and ``stop``."""

    def __init__(self, app: web.Application, host: str, port: int, **runner: Any):
        self.app, self.host, self.port = app, host, port
        self._runner = web.AppRunner(app, handle_signals=False, **runner)
        self._started = False

    async def start(self) -> tuple[str, int]:
        """Listen; the (host, port) bound."""
        await self._runner.setup()
        self._started = True
        await web.TCPSite(self._runner, self.host, self.port).start()
        if self._runner.addresses:
            self.host, self.port = self._runner.addresses[0][:2]
        return self.host, self.port

    async def stop(self) -> None:
        """Stop listening and run the application's cleanup (once; nothing if never started)."""
        if self._started:
            self._started = False
            await self._runner.cleanup()
