"""Importing a checked schedule: what would change (new / updated / unchanged / removed),
and applying it in one transaction.

Lives here: ``plan_import`` → ``ImportPlan`` and ``apply_plan``. All-or-nothing by
default: a file with any error changes nothing. ``valid_only`` imports the rows that
passed. Re-importing a class updates it in place (same natural key: municipality,
venue, day, start, title), so it keeps its id and its residents' reminders.
``replace`` also removes the classes of the same municipality and month that the
file no longer lists (a cancelled class; its reminders are cancelled with it); it
needs a file without errors, since a class on a broken row would be removed.
Reads and writes classes through ``ScheduleStore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.classes.csv_io import Schedule
from bot.classes.model import ClassSession
from bot.store.schedule import ScheduleStore

COMPARED = (
    ("phone", "電話番号"),
    ("address", "住所"),
    ("end", "終了時刻"),
    ("level", "レベル"),
    ("capacity", "定員"),
    ("seats_left", "残席"),
    ("booking_required", "予約要否"),
    ("bring", "持ち物"),
    ("shop_id", "店舗"),
    ("carrier", "携帯会社"),
    ("topics", "話題"),
    ("sample", "見本データ"),
)


@dataclass(frozen=True)
class Change:
    kind: str  # new | updated | unchanged | removed
    session: ClassSession
    changed: tuple[str, ...] = ()  # Japanese names of the changed fields (updated)
    before: ClassSession | None = None

    def describe(self) -> str:
        c = self.session
        what = f"{c.municipality} {c.day:%Y/%m/%d} {c.start} {c.venue}「{c.title}」"
        label = {"new": "新規", "updated": "更新", "unchanged": "変更なし", "removed": "削除"}[self.kind]
        if self.kind == "updated" and self.before is not None:
            parts = []
            for attr, name in COMPARED:
                old, new = getattr(self.before, attr), getattr(c, attr)
                if old != new and name in self.changed:
                    parts.append(f"{name} {_show(old)}→{_show(new)}")
            return f"{label}: {what}（{'、'.join(parts)}）"
        return f"{label}: {what}"


def _show(value: object) -> str:
    if value is None or value == ():
        return "なし"
    if isinstance(value, bool):
        return "要" if value else "不要"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


@dataclass
class ImportPlan:
    schedule: Schedule
    valid_only: bool = False
    replace: bool = False
    changes: list[Change] = field(default_factory=list)
    refusal: str | None = None  # why nothing will be imported

    @property
    def will_write(self) -> bool:
        return self.refusal is None and any(c.kind in ("new", "updated", "removed") for c in self.changes)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def summary(self) -> str:
        s = self.schedule
        parts = [
            f"新規 {self.count('new')}件",
            f"更新 {self.count('updated')}件",
            f"変更なし {self.count('unchanged')}件",
        ]
        if self.replace:
            parts.append(f"削除 {self.count('removed')}件")
        parts.append(f"エラー {s.bad_rows}行")
        return "、".join(parts)


def _changed(before: ClassSession, after: ClassSession) -> tuple[str, ...]:
    return tuple(name for attr, name in COMPARED if getattr(before, attr) != getattr(after, attr))


async def plan_import(
    store: ScheduleStore, schedule: Schedule, valid_only: bool = False, replace: bool = False
) -> ImportPlan:
    plan = ImportPlan(schedule, valid_only, replace)
    if schedule.file_problems:
        plan.refusal = "ファイル全体に問題があるため、何も取り込みません"
        return plan
    if schedule.problems and not valid_only:
        plan.refusal = (
            f"{schedule.bad_rows}行に誤りがあるため、何も取り込みません（すべてか、何もしないか）。"
            "正しい行だけ取り込むには --valid-only を付けてください"
        )
    if schedule.problems and replace:
        plan.refusal = "--replace は誤りのないファイルでだけ使えます（誤りのある行の講座を消してしまわないため）"
    sessions = schedule.sessions
    stored = await store.by_keys([c.natural_key for c in sessions])
    for c in sessions:
        before = stored.get(c.natural_key)
        if before is None:
            plan.changes.append(Change("new", c))
            continue
        changed = _changed(before, c)
        plan.changes.append(Change("updated" if changed else "unchanged", c, changed, before))
    if replace:
        listed = {c.natural_key for c in sessions}
        scopes = sorted({(c.municipality, f"{c.day:%Y-%m}") for c in sessions})
        for city, month in scopes:
            for old in await store.in_scope(city, month):
                if old.natural_key not in listed:
                    plan.changes.append(Change("removed", old))
    return plan


async def apply_plan(store: ScheduleStore, plan: ImportPlan) -> None:
    """Write the plan in one transaction (nothing when it is refused)."""
    if plan.refusal is not None:
        raise ValueError(plan.refusal)
    writes = [c.session for c in plan.changes if c.kind in ("new", "updated")]
    removes = [c.session.id for c in plan.changes if c.kind == "removed" and c.session.id is not None]
    if writes or removes:
        await store.save(writes, removes)
