"""Running the Telegram bot: long polling (default) or a webhook, until a signal stops it.

Lives here: ``serve`` (open the Madoguchi app, build the Application, register the command
menu in Japanese and English with ``set_my_commands``, then poll — ``getUpdates`` — or set
the webhook with its secret token and start the ``WebhookServer``; next to it run the
broadcast ``Scheduler`` (scheduled broadcasts, orphaned ones, class reminders) with the
channel's ``TelegramSender`` and the other channels' senders configured in this
environment (``bot.broadcast.senders``: LINE's when its secrets are set) and tell the support staff of refused shop-listing edits
(``support_notifier``), and run the retention purge daily (``App.keep_tidy``); on stop, stop the scheduler, finish the updates in hand and close
everything) and ``register_commands``. Touches the network
(the Bot API at the configured base URL, the webhook port) and the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import SimpleNamespace

from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application
from telegram.request import BaseRequest

from bot.app import open_app
from bot.broadcast.scheduler import Scheduler
from bot.broadcast.senders import open_senders
from bot.channels.telegram.channel import build_application
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.texts import commands
from bot.channels.telegram.webhook import WebhookServer
from bot.staff.notify import support_notifier

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def register_commands(application: Application) -> None:
    """The command menu: Japanese by default and for ``ja`` clients, English for ``en`` ones."""
    bot = application.bot
    menu = commands(application.bot_data["channel"].app.knowledge)
    ja = [BotCommand(name, ja_text) for name, ja_text, _ in menu]
    en = [BotCommand(name, en_text) for name, _, en_text in menu]
    await bot.set_my_commands(ja, scope=BotCommandScopeDefault())
    await bot.set_my_commands(ja, scope=BotCommandScopeDefault(), language_code="ja")
    await bot.set_my_commands(en, scope=BotCommandScopeDefault(), language_code="en")


async def serve(
    settings: TelegramSettings,
    *,
    db: str | None = None,
    knowledge_dir: str | None = None,
    demo: bool = False,
    stop: asyncio.Event | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    on_ready: Callable[[Application, WebhookServer | None], object] | None = None,
) -> None:
    """Run until ``stop`` is set. ``request`` replaces the HTTP transport and ``on_ready``
    is told the Application and webhook server once serving (tests)."""
    stop = stop or asyncio.Event()
    app = await open_app(db, knowledge_dir, settings.shops_file, demo=demo)
    try:
        application = build_application(
            app, settings, request=request, get_updates_request=get_updates_request, polling=not settings.webhook
        )
        server: WebhookServer | None = None
        async with application:  # initialize (getMe) … shutdown
            me = application.bot
            await register_commands(application)
            if settings.webhook:
                await me.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=settings.drop_pending_updates,
                )
                server = WebhookServer(
                    application, settings.webhook_secret, settings.webhook_path, settings.listen, settings.port
                )
                await application.start()
                await server.start()
                log.info(
                    "@%s: webhook %s (listening on %s:%d)",
                    me.username,
                    settings.webhook_url,
                    settings.listen,
                    server.port,
                )
            else:
                await application.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=settings.drop_pending_updates
                )
                await application.start()
                log.info("@%s: long polling %s", me.username, settings.api_base_url)
            channel = application.bot_data["channel"]
            # Telegram's sender, and every other channel configured here (a scheduled
            # broadcast may have LINE subscribers too).
            others = await open_senders(SimpleNamespace(rate=None), have=channel.senders)
            senders = others.senders
            log.info("scheduled broadcasts and reminders reach: %s", others.summary())
            app.watch_shops(
                on_error=support_notifier(channel.staff, senders, channel.audit, current=lambda: len(app.shops))
            )
            scheduler_stop = asyncio.Event()
            scheduler = asyncio.create_task(Scheduler(app.stores, senders, knowledge=app.knowledge).run(scheduler_stop))
            app.keep_tidy()  # the retention purge, now and daily (stopped by app.close)
            try:
                if on_ready is not None:
                    on_ready(application, server)
                await stop.wait()
            finally:
                scheduler_stop.set()  # a broadcast it is sending is paused (``madoguchi broadcast --resume``)
                await asyncio.gather(scheduler, return_exceptions=True)
                await others.close()
            log.info("stopping: finishing the updates in hand")
            if server is not None:
                await server.stop()
            elif application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
            if channel.tasks:
                log.info("waiting for %d broadcast(s) to finish", len(channel.tasks))
                await asyncio.gather(*list(channel.tasks), return_exceptions=True)
    finally:
        await app.close()
