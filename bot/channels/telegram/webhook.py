"""The aiohttp server that receives Telegram's updates in webhook mode.

Lives here: ``WebhookServer`` and ``well_formed``. ``POST <path>`` compares the secret-token
header in constant time first (wrong or none: 403, the body never read); a right one is
parsed (types Telegram never sends: 400), recorded (``ChannelServices.first_time``: an update
sent again, here or to another process, is not handled twice) and queued; 200 at once.
``GET /healthz`` answers monitoring (503 while the Application is not running). Listens on the given address only.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.channel_services import ChannelServices
from bot.channels.http import HttpSite, health_response

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; refuse anything absurd


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _message_well_formed(message) -> bool:
    if not _is_int(message.message_id) or not isinstance(message.text, (str, type(None))):
        return False
    where = message.location
    return where is None or (_number(where.latitude) and _number(where.longitude))


def well_formed(update: Update) -> bool:
    """Whether the update has the types Telegram sends: integer ids for the update, its chat
    and its sender, and text that is text (python-telegram-bot takes whatever JSON says, so a
    forged update could put a list where a chat id goes)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if not _is_int(update.update_id) or any(x is not None and not _is_int(x.id) for x in (chat, user)):
        return False
    if message is not None and not _message_well_formed(message):
        return False
    query = update.callback_query
    return query is None or isinstance(query.data, (str, type(None)))


class WebhookServer:
    def __init__(
        self,
        application: Application,
        secret: str,
        path: str = "/telegram",
        listen: str = "127.0.0.1",
        port: int = 8080,
        services: ChannelServices | None = None,
    ):
        self.application = application
        self.services = services  # records update ids (None: every update is handled)
        self._secret = secret.encode("utf-8")
        self.path = path
        self.listen = listen
        self.port = port
        self.refused = self.accepted = self.repeated = 0
        self._site: HttpSite | None = None

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._receive)
        app.router.add_get("/healthz", self._health)
        return app

    async def start(self) -> int:
        """Start listening; the port actually bound (useful with port 0)."""
        self._site = HttpSite(self.web_app(), self.listen, self.port, access_log=None)
        _, self.port = await self._site.start()
        log.info("webhook listening on http://%s:%d%s", self.listen, self.port, self.path)
        return self.port

    async def stop(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def _health(self, request: web.Request) -> web.Response:
        running = self.application.running
        counts = {"accepted": self.accepted, "refused": self.refused, "repeated": self.repeated}
        return health_response(running, running=running, **counts)

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")  # any bytes: 403
        if not hmac.compare_digest(given, self._secret):
            self.refused += 1
            log.warning("webhook request from %s refused: %s secret token", request.remote, "wrong" if given else "no")
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json(loads=json.loads)
            if not isinstance(data, dict):
                raise ValueError("an update is a JSON object")
            update = Update.de_json(data, self.application.bot)
            if not well_formed(update):
                raise ValueError("an id or a text of the wrong type")
        except web.HTTPRequestEntityTooLarge:
            raise
        except Exception as exc:
            log.warning("webhook request with an unreadable body refused: %s", type(exc).__name__)
            return web.Response(status=400, text="bad request")
        if self.services is not None and not await self.services.first_time(str(update.update_id)):
            self.repeated += 1
            log.info("update %s came again: already handled", update.update_id)
            return web.Response(status=200)
        self.accepted += 1
        await self.application.update_queue.put(update)
        return web.Response(status=200)
