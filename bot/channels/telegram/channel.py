"""The Telegram channel's runtime parts, and building the python-telegram-bot Application.

Lives here: ``Channel`` (what every handler needs: the Madoguchi ``App``, the sender, flood
control, per-chat ordering, callback data, staff directory, audit log, pending broadcasts,
counters), ``ChatLocks`` and ``build_application``, which wires PTB's real ``Application``
(our ``TelegramLimiter`` as its rate limiter, concurrent updates, link previews off) and
registers the handlers of ``handlers`` and ``staff``. Tests pass a fake ``BaseRequest``
and a virtual clock here. Touches the database only through the core's stores; the
"please type" reply to stickers and photos is the core's own (postback ``intent:unsupported``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from telegram import LinkPreviewOptions
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

from bot.app import App
from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.service import BroadcastService
from bot.channels.telegram.adapter import Sender
from bot.channels.telegram.broadcast import BULK, WORKERS, Broadcasts
from bot.channels.telegram.flood import FloodGuard
from bot.channels.telegram.pacing import MONOTONIC, SLEEP, Clock, Sleep
from bot.channels.telegram.ratelimiter import TelegramLimiter
from bot.channels.telegram.rendering import CallbackData
from bot.channels.telegram.secrecy import protect_logs
from bot.channels.telegram.sender import RATE, TelegramSender
from bot.channels.telegram.settings import TelegramSettings
from bot.dialogue.state import ConversationState
from bot.messages import IncomingMessage, Reply
from bot.staff.guard import StaffGuard
from bot.staff.roles import StaffDirectory
from bot.store.audit import AuditLog
from bot.store.conversations import ConversationStore
from bot.store.residents import ResidentStore

CONCURRENT_UPDATES = 64  # updates of different chats handled at once; one chat's stay in order


class ChatLocks:
    """One lock per conversation, so a resident's messages are answered in the order sent
    while other residents are served concurrently. Unused locks are dropped."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    def __call__(self, key: str) -> _Held:
        return _Held(self, key)

    def __len__(self) -> int:
        return len(self._locks)


class _Held:
    __slots__ = ("locks", "key")

    def __init__(self, locks: ChatLocks, key: str):
        self.locks, self.key = locks, key

    async def __aenter__(self) -> None:
        locks = self.locks
        lock = locks._locks.get(self.key)
        if lock is None:
            lock = locks._locks[self.key] = asyncio.Lock()
        locks._users[self.key] += 1
        try:
            await lock.acquire()
        except BaseException:
            self._release_user()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.locks._locks[self.key].release()
        self._release_user()

    def _release_user(self) -> None:
        locks = self.locks
        locks._users[self.key] -= 1
        if locks._users[self.key] <= 0:
            del locks._users[self.key]
            del locks._locks[self.key]


@dataclass
class Channel:
    app: App
    settings: TelegramSettings
    staff: StaffDirectory
    limiter: TelegramLimiter
    clock: Clock = MONOTONIC
    sleep: Sleep = SLEEP
    callback: CallbackData = field(default_factory=CallbackData)
    locks: ChatLocks = field(default_factory=ChatLocks)
    stats: Counter = field(default_factory=Counter)
    tasks: set = field(default_factory=set)  # running broadcasts
    sender: Sender = field(init=False)
    broadcast_sender: TelegramSender = field(init=False)  # the broadcast engine's sender (``senders["telegram"]``)
    service: BroadcastService = field(init=False)
    engine: BroadcastEngine = field(init=False)
    flood: FloodGuard | None = field(init=False)
    broadcasts: Broadcasts = field(init=False)
    residents: ResidentStore = field(init=False)
    conversations: ConversationStore = field(init=False)
    audit: AuditLog = field(init=False)

    def __post_init__(self) -> None:
        limits = self.settings.limits
        self.flood = (
            FloodGuard(limits.flood_messages, limits.flood_seconds, self.clock) if limits.flood_messages else None
        )
        self.broadcasts = Broadcasts(self.clock)
        self.residents = ResidentStore(self.app.db)
        self.conversations = self.app.engine.conversations  # the engine's store: one cache of states
        self.audit = AuditLog(self.app.db)
        self.service = BroadcastService(
            self.app.stores, self.app.knowledge, StaffGuard(self.staff, self.app.stores.audit)
        )

    def connect(self, bot) -> None:
        """The senders on the Application's ``bot``: residents' replies and broadcasts."""
        self.sender = Sender(bot, self.residents, self.callback)
        rate = self.settings.limits.broadcast_per_second or RATE
        self.broadcast_sender = TelegramSender(bot, float(rate), rate_limit_args=BULK, concurrency=WORKERS)
        self.engine = BroadcastEngine(self.app.stores, self.senders, monotonic=self.clock, sleep=self.sleep)

    @property
    def senders(self) -> dict:
        return {"telegram": self.broadcast_sender}

    async def state(self, key: str) -> ConversationState:
        return ConversationState.from_dict(await self.conversations.load(key))

    async def language(self, key: str) -> str:
        return (await self.state(key)).lang

    async def unsupported(self, key: str) -> list[Reply]:
        """The core's gentle "please type or use the buttons" reply, in the resident's language."""
        return await self.app.engine.handle(IncomingMessage(key, postback="intent:unsupported"))

    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task


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
