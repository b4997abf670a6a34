"""Running the Telegram bot, long polling or a webhook, inside ``bot.runtime``.

Lives here: ``TelegramService`` (the command menu in each language, then polling or
the webhook with its secret; on stop, the updates and broadcasts in hand are finished),
``register_commands`` and ``serve`` (open the app, build the Application, run the runtime).
Touches the Bot API and the webhook port.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application
from telegram.request import BaseRequest

from bot import languages, runtime
from bot.app import open_app
from bot.channel_services import ChannelServices
from bot.channels.telegram.channel import build_application
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.texts import commands
from bot.channels.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def register_commands(application: Application) -> None:
    """The command menu: Japanese by default, and each language's for the app locales whose
    users read it (``bot.languages``: ``ja``, ``en``)."""
    knowledge = application.bot_data["channel"].app.knowledge

    def menu(lang: str) -> list[BotCommand]:
        return [BotCommand(name, text) for name, text in commands(knowledge, lang)]

    await application.bot.set_my_commands(menu(languages.DEFAULT), scope=BotCommandScopeDefault())
    for lang in languages.LANGUAGES.values():
        for locale in lang.locales:
            await application.bot.set_my_commands(menu(lang.code), scope=BotCommandScopeDefault(), language_code=locale)


class TelegramService:
    def __init__(self, application: Application, settings: TelegramSettings):
        self.application, self.settings = application, settings
        self.channel = application.bot_data["channel"]
        self.senders = self.channel.senders
        self.server: WebhookServer | None = None

    async def start(self) -> None:
        application, settings = self.application, self.settings
        await application.initialize()  # getMe
        await register_commands(application)
        options = {"allowed_updates": ALLOWED_UPDATES, "drop_pending_updates": settings.drop_pending_updates}
        if settings.webhook:
            await application.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret, **options)
            seen = ChannelServices(self.channel.app.db, "telegram")
            await seen.forget_old_events()
            where = (settings.webhook_path, settings.listen, settings.port)
            self.server = WebhookServer(application, settings.webhook_secret, *where, seen)
            await application.start()
            await self.server.start()
            log.info("@%s: webhook %s (port %d)", application.bot.username, settings.webhook_url, self.server.port)
        else:
            await application.updater.start_polling(**options)
            await application.start()
            log.info("@%s: long polling %s", application.bot.username, settings.api_base_url)

    async def stop(self) -> None:
        application = self.application
        if self.server is not None:
            await self.server.stop()
        elif application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await self.channel.staff_chat.finish()
        await application.shutdown()


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
    """Run until ``stop`` is set or a signal comes. ``request`` replaces the HTTP transport
    and ``on_ready`` is told the Application and webhook server once serving (tests)."""
    app = await open_app(db, knowledge_dir, settings.shops_file, demo=demo)
    try:
        application = build_application(
            app, settings, request=request, get_updates_request=get_updates_request, polling=not settings.webhook
        )
        service = TelegramService(application, settings)
        ready = (lambda: on_ready(application, service.server)) if on_ready else None
        await runtime.run(app, service, service.channel.staff, stop=stop, on_ready=ready)
    finally:
        await app.close()
