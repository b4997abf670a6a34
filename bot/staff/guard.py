"""Every staff action goes through here: the permission check and the audit log entry.

Lives here: ``StaffGuard`` and ``NotPermitted``. ``require`` answers "may this identity
do this (for this municipality)?" from ``StaffDirectory`` and, when the answer is no,
writes the refusal to the audit log before raising; ``record`` writes the outcome of an
action that was allowed. ``scope`` is the municipalities a member manages (None: all).
The message of ``NotPermitted`` is in Japanese and names the identity and what was refused.
"""

from __future__ import annotations

from bot.staff.roles import StaffDirectory, StaffMember
from bot.store.audit import AuditLog

ACTION_JA = {
    "broadcast": "配信",
    "classes": "講座の登録・出力",
    "shops": "店舗一覧",
    "report": "レポート",
    "stats": "統計",
    "reload": "再読み込み",
    "staff": "担当者の管理",
}


class NotPermitted(Exception):
    def __init__(self, identity: str, action: str, municipality: str | None, member: StaffMember | None):
        self.identity, self.action, self.municipality = identity, action, municipality
        what = ACTION_JA.get(action, action)
        if member is None:
            text = f"{identity} は担当者として登録されていません（{what}はできません）"
        elif municipality:
            text = f"{identity}（{member.role}）には{municipality}の{what}の権限がありません"
        else:
            text = f"{identity}（{member.role}）には{what}の権限がありません"
        super().__init__(text)


class StaffGuard:
    def __init__(self, directory: StaffDirectory, audit: AuditLog):
        self.directory = directory
        self.audit = audit

    def member(self, identity: str) -> StaffMember | None:
        return self.directory.member(identity)

    def allows(self, identity: str, action: str, municipality: str | None = None) -> bool:
        return self.directory.allows(identity, action, municipality)

    def scope(self, identity: str) -> list[str] | None:
        """The municipalities ``identity`` manages: None for every one (admin), [] for none."""
        member = self.directory.member(identity)
        if member is None:
            return []
        return list(member.municipalities) if member.role == "municipal" else None

    async def require(
        self,
        identity: str,
        action: str,
        municipality: str | None = None,
        target: str | None = None,
        name: str | None = None,
    ) -> StaffMember:
        """The member when allowed; otherwise the refusal is audited (as ``name``, e.g.
        ``classes.import``, or the action) and ``NotPermitted`` raised."""
        member = self.directory.member(identity)
        if member is not None and self.directory.allows(identity, action, municipality):
            return member
        await self.audit.record(identity, name or action, target or municipality, "denied")
        raise NotPermitted(identity, action, municipality, member)

    async def require_admin(self, identity: str, name: str, target: str | None = None) -> StaffMember:
        member = self.directory.member(identity)
        if member is not None and member.role == "admin":
            return member
        await self.audit.record(identity, name, target, "denied")
        raise NotPermitted(identity, "staff", None, member)

    async def record(self, identity: str, action: str, target: str | None, outcome: str) -> None:
        await self.audit.record(identity, action, target, outcome)
