"""What every page of the web console works on: ``Console`` (the running bot's ``App`` and its
stores, the staff directory and ``StaffGuard``, the ``BroadcastService``, the senders and the broadcasts
running in this process) and the key it is kept under in the aiohttp application.

Lives here only the wiring; each screen's logic is the services' (``bot.classes``,
``bot.broadcast``, ``bot.data``, ``bot.staff``), the screens are ``bot.web.views``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.app import App
from bot.broadcast.senders import SenderSet
from bot.broadcast.service import BroadcastService
from bot.staff.guard import StaffGuard
from bot.staff.roles import StaffDirectory
from bot.store.bundle import Stores
from bot.store.web_sessions import WebSessions
from bot.web.runs import BroadcastRuns

IDLE_SECONDS = 30 * 60  # a session unused this long is logged out


@dataclass
class Console:
    bot: App
    staff: StaffDirectory
    senders: SenderSet
    clock: Callable
    idle: float = IDLE_SECONDS
    guard: StaffGuard = field(init=False)
    broadcasts: BroadcastService = field(init=False)
    runs: BroadcastRuns = field(init=False)
    sessions: WebSessions = field(init=False)
    uploads: dict = field(default_factory=dict)  # upload id → (member id, file name, bytes, time)
    halt_hooks: list = field(default_factory=list)  # coroutines the emergency stop awaits (the scheduler's stop)

    def __post_init__(self) -> None:
        self.guard = StaffGuard(self.staff, self.stores.audit)
        self.broadcasts = BroadcastService(self.stores, self.bot.knowledge, self.guard, clock=self.clock)
        self.runs = BroadcastRuns(self.broadcasts, self.senders.senders)
        self.sessions = WebSessions(self.bot.db, self.idle)

    @property
    def stores(self) -> Stores:
        return self.bot.stores

    @property
    def db(self):
        return self.bot.db

    @property
    def knowledge(self):
        return self.bot.knowledge

    def filter_cities(self, member_id: str, cities: list[str]) -> list[str] | None:
        """``cities`` as a filter for the stores: None (no filter) when they are every one of an admin's."""
        return (
            None
            if self.guard.scope(member_id) is None and len(cities) == len(self.knowledge.municipalities.municipalities)
            else cities
        )

    def cities(self, member_id: str) -> list[str]:
        """The municipalities a member works on (every one for admin and support)."""
        scope = self.guard.scope(member_id)
        every = [m.name for m in self.knowledge.municipalities.municipalities]
        return every if scope is None else [c for c in every if c in scope]


CONSOLE = web.AppKey("console", Console)
