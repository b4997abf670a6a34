"""The stores of one open database, built once per process and handed to whoever needs them.

Lives here: ``Stores`` — a frozen bundle of every store over one database (``Backend``). ``open_app``
(a channel process) and ``open_context`` (a staff command) build it once with ``Stores.over``;
the engine, the skills (through ``Services``) and the broadcast, reminder and staff services
take it in their constructors instead of building stores of their own. So there is one
``ConversationStore`` per process — the engine and the reminder dispatcher read the same
cache — and one place that says which stores exist. Touches nothing itself: each store
runs its own SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.audit import AuditLog
from bot.store.backend import Backend
from bot.store.broadcasts import BroadcastStore
from bot.store.classes import ClassStore
from bot.store.conversations import ConversationStore
from bot.store.overview import Overview
from bot.store.reminders import ReminderStore
from bot.store.residents import ResidentStore
from bot.store.schedule import ScheduleStore
from bot.store.shop_edits import ShopEdits
from bot.store.staff_logins import StaffLogins
from bot.store.unanswered import UnansweredLog
from bot.store.unanswered_marks import UnansweredMarks


@dataclass(frozen=True)
class Stores:
    db: Backend
    conversations: ConversationStore
    residents: ResidentStore
    classes: ClassStore
    schedule: ScheduleStore
    broadcasts: BroadcastStore
    reminders: ReminderStore
    unanswered: UnansweredLog
    unanswered_marks: UnansweredMarks
    audit: AuditLog
    overview: Overview
    shop_edits: ShopEdits
    staff_logins: StaffLogins

    @classmethod
    def over(cls, db: Backend) -> Stores:
        """Every store over ``db`` (open or not yet): call it once per database and process."""
        return cls(
            db=db,
            conversations=ConversationStore(db),
            residents=ResidentStore(db),
            classes=ClassStore(db),
            schedule=ScheduleStore(db),
            broadcasts=BroadcastStore(db),
            reminders=ReminderStore(db),
            unanswered=UnansweredLog(db),
            unanswered_marks=UnansweredMarks(db),
            audit=AuditLog(db),
            overview=Overview(db),
            shop_edits=ShopEdits(db),
            staff_logins=StaffLogins(db),
        )
