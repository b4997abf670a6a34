"""The Telegram channel's runtime parts, and building the python-telegram-bot Application.

Lives here: ``Channel`` (what the handlers share: the app, ``Conversations`` with
Telegram's capabilities, sender, flood guard, callback data, the core's staff commands
(``StaffChat``), counters) and ``build_application`` (PTB's real ``Application`` with our
limiter; tests pass a fake ``BaseRequest`` and a virtual clock). Reads nothing of the store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from telegram import LinkPreviewOptions
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

from bot.app import App
from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.pending import BULK, WORKERS, Broadcasts
from bot.channels.base import Conversations
from bot.channels.telegram.adapter import Sender, chat_of, user_key
from bot.channels.telegram.ratelimiter import TelegramLimiter
from bot.channels.telegram.rendering import CAPABILITIES, CallbackData
from bot.channels.telegram.sender import RATE, TelegramSender
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.texts import t
from bot.delivery.flood import FloodGuard
from bot.delivery.outcome import Result, Status
from bot.delivery.pacing import MONOTONIC, SLEEP, Clock, Sleep
from bot.delivery.redaction import protect_logs
from bot.messages import Answer, IncomingMessage, Reply
from bot.staff.chat import StaffChat
from bot.staff.guard import StaffGuard
from bot.staff.roles import StaffDirectory

STAFF_BUTTONS = "tgb"  # the data of a broadcast preview's buttons: ``tgb:send:<id>``, ``tgb:cancel:<id>``
CONCURRENT_UPDATES = 64  # updates of different chats handled at once; one chat's stay in order


@dataclass
class Channel:
    app: App
    settings: TelegramSettings
    staff: StaffDirectory
    limiter: TelegramLimiter
    clock: Clock = MONOTONIC
    sleep: Sleep = SLEEP
    callback: CallbackData = field(default_factory=CallbackData)
    stats: Counter = field(default_factory=Counter)
    sender: Sender = field(init=False)
    broadcast_sender: TelegramSender = field(init=False)  # the broadcast engine's sender (``senders["telegram"]``)
    engine: BroadcastEngine = field(init=False)
    flood: FloodGuard | None = field(init=False)
    staff_chat: StaffChat = field(init=False)
    conversations: Conversations = field(init=False)

    def __post_init__(self) -> None:
        limits = self.settings.limits
        self.flood = (
            FloodGuard(limits.flood_messages, limits.flood_seconds, self.clock) if limits.flood_messages else None
        )
        self.conversations = Conversations(self.app.engine, CAPABILITIES)

    def connect(self, bot) -> None:
        """The senders on the Application's ``bot``: residents' replies and broadcasts."""
        self.sender = Sender(bot, self.callback)
        rate = self.settings.limits.broadcast_per_second or RATE
        self.broadcast_sender = TelegramSender(bot, float(rate), rate_limit_args=BULK, concurrency=WORKERS)
        self.engine = BroadcastEngine(self.app.stores, self.senders, monotonic=self.clock, sleep=self.sleep)
        guard = StaffGuard(self.staff, self.app.stores.audit)
        footer = t(self.app.knowledge, "broadcast_footer", "ja")  # the news say how to stop them, in Japanese
        self.staff_chat = StaffChat(
            self.app, "telegram", guard, self.engine, self.senders, Broadcasts(self.clock), STAFF_BUTTONS, footer
        )

    @property
    def senders(self) -> dict:
        return {"telegram": self.broadcast_sender}

    async def language(self, chat_id: int) -> str:
        return await self.app.engine.language(user_key(chat_id))

    async def turn(self, msg: IncomingMessage, reply_to: int | None = None, extra: list[Reply] | None = None) -> Result:
        """Answer ``msg`` in its chat (``extra`` first: the channel's own words)."""

        async def deliver(answer: Answer) -> Result:
            return await self.sender.replies(chat_of(msg.user), [*(extra or []), *answer.replies], reply_to=reply_to)

        result = await self.conversations.turn(msg, deliver)
        self.stats["replies"] += 1
        return result

    async def say(self, chat_id: int, said: str | Reply) -> Result:
        """The channel's own words (a notice, a staff reply with its buttons); a refusal is
        told to the core."""
        result = await self.sender.replies(chat_id, [said if isinstance(said, Reply) else Reply(said)])
        if result.status is Status.BLOCKED:
            await self.conversations.blocked(user_key(chat_id))
        return result


def build_application(
    app: App,
    settings: TelegramSettings,
    *,
    staff: StaffDirectory | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    polling: bool = True,
    clock: Clock = MONOTONIC,
    sleep: Sleep = SLEEP,
    concurrent_updates: int = CONCURRENT_UPDATES,
) -> Application:
    """The PTB ``Application`` for Madoguchi, with every handler registered. Whoever holds
    the token scrubs it from the logs: building the Application registers it."""
    from bot.channels.telegram import handlers

    protect_logs(settings.token, settings.webhook_secret)
    limiter = TelegramLimiter(settings.limits, clock=clock, sleep=sleep)
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .rate_limiter(limiter)
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(concurrent_updates)
        .job_queue(None)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    directory = staff if staff is not None else StaffDirectory.load(settings.staff_file)
    channel = Channel(app, settings, directory, limiter, clock=clock, sleep=sleep)
    channel.connect(application.bot)
    application.bot_data["channel"] = channel
    handlers.install(application)
    return application
