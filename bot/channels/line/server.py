"""The LINE webhook server: an aiohttp application with the webhook and a health endpoint.

Lives here: ``create_app``, ``LineRuntime`` (what it holds while running) and
``LineService`` (the webhook as the channel's part of ``bot.runtime.run``). The signature
is checked before anything else (none → 400, wrong → 401, nothing read); a signed body
that is not a payload → 400; otherwise the events are queued (``Dispatcher``) and LINE gets
200 at once. ``GET /healthz`` answers the monitor. Touches its port, the LINE API and the
database only through ``ChannelServices``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

from bot.app import App
from bot.channel_services import ChannelServices
from bot.channels.http import HttpSite, health_response
from bot.channels.line.config import LineConfig
from bot.channels.line.delivery import DEFAULT_TIMEOUT, Messenger
from bot.channels.line.events import CHANNEL, Inbound, MalformedBody, parse_body, to_inbound
from bot.channels.line.handler import EventHandler
from bot.channels.line.signature import HEADER, verify
from bot.delivery.backoff import Backoff
from bot.delivery.dispatch import DEFAULT_MAX_PENDING, DEFAULT_WORKERS, Dispatcher

log = logging.getLogger(__name__)

DEFAULT_PATH = "/callback"
HEALTH_PATH = "/healthz"


@dataclass
class LineRuntime:
    config: LineConfig
    messenger: Messenger
    handler: EventHandler
    dispatcher: Dispatcher
    started: float


RUNTIME = web.AppKey("line_runtime", LineRuntime)


def create_app(
    bot: App,
    config: LineConfig,
    path: str = DEFAULT_PATH,
    workers: int = DEFAULT_WORKERS,
    max_pending: int = DEFAULT_MAX_PENDING,
    backoff: Backoff | None = None,
    reply_backoff: Backoff | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    shutdown_timeout: float = 10.0,
) -> web.Application:
    """The webhook application for ``bot``. ``backoff``/``reply_backoff`` and ``timeout``
    shape the API calls (tests pass immediate backoffs)."""
    secret = config.channel_secret

    async def webhook(request: web.Request) -> web.Response:
        signature = request.headers.get(HEADER)
        if not signature:
            return web.Response(status=400, text="missing signature")
        body = await request.read()
        if not verify(body, signature, secret):
            return web.Response(status=401, text="invalid signature")
        try:
            raw_events = parse_body(body)
        except MalformedBody as exc:
            return web.Response(status=400, text=str(exc))
        events: list[Inbound] = []
        for raw in raw_events:
            try:
                inbound = to_inbound(raw)
            except Exception:  # noqa: BLE001 - an odd event is skipped, the others are handled
                log.exception("could not read a LINE event (type %r)", raw.get("type"))
                continue
            if inbound is not None:
                events.append(inbound)
        if events and not request.app[RUNTIME].dispatcher.offer(events):
            return web.Response(status=503, text="busy, try again")
        return web.Response(status=200, text="OK")

    async def health(request: web.Request) -> web.Response:
        runtime = request.app[RUNTIME]
        dispatcher = runtime.dispatcher
        db_ok = await runtime.handler.services.database_ok()
        return health_response(
            db_ok and dispatcher.accepting,
            database="ok" if db_ok else "unavailable",
            **dispatcher.stats(),  # accepting, queued, handled, failed, workers
            # text/postback/follow/…, duplicate; replied/pushed/not_sent/failed
            events=dict(runtime.handler.counts) | dict(runtime.messenger.counts),
            push_fallback=runtime.config.push_fallback,
            uptime_s=round(time.monotonic() - runtime.started, 1),
        )

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # The SDK's client opens an aiohttp session: it must be made inside the running loop.
        client = AsyncApiClient(Configuration(host=config.api_base_url, access_token=config.access_token))
        api = AsyncMessagingApi(client)
        messenger = Messenger(api, config.push_fallback, backoff=backoff, reply_backoff=reply_backoff, timeout=timeout)
        services = ChannelServices(bot.db, CHANNEL)
        await services.forget_old_events()
        handler = EventHandler(bot, messenger, services)
        dispatcher = Dispatcher(handler.handle, workers=workers, max_pending=max_pending, name=CHANNEL)
        dispatcher.start()
        app[RUNTIME] = LineRuntime(config, messenger, handler, dispatcher, time.monotonic())
        try:
            yield
        finally:
            await dispatcher.stop(shutdown_timeout)  # logs what was left unhandled
            await client.close()

    app = web.Application()
    app.cleanup_ctx.append(lifecycle)
    app.router.add_post(path, webhook)
    app.router.add_get(HEALTH_PATH, health)
    return app


class LineService:
    """The webhook served on ``host``:``port`` while the runtime runs."""

    def __init__(self, bot: App, config: LineConfig, host: str, port: int, path: str, workers: int, sender, out=None):
        self.app = create_app(bot, config, path=path, workers=workers)
        self.config, self.path = config, path
        self.senders = {CHANNEL: sender}
        self.out = out or sys.stdout
        self.site = HttpSite(self.app, host, port)

    async def start(self) -> None:
        host, port = await self.site.start()
        base = f"http://{host}:{port}"
        self.out.write(
            f"LINE webhook listening on {base}{self.path} (health: {base}{HEALTH_PATH}); "
            f"push fallback {'on' if self.config.push_fallback else 'off'}\n"
        )
        self.out.flush()

    async def stop(self) -> None:
        self.out.write("LINE webhook: shutting down\n")
        self.out.flush()
        await self.site.stop()
        await self.senders[CHANNEL].close()
