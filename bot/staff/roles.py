"""Staff roles from ``staff.yaml``: admin (everything), municipal (classes and
broadcasts for their own municipalities), support (the shop listing).

A member is named by a channel identity (``telegram:12345``, ``line:Uxxxx``,
``cli:tanaka``). ``StaffDirectory.allows`` answers one question: may this
identity do this action (for this municipality)? An identity not listed is a
resident and may do nothing. Reads the staff file it is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.data.schema import Strict, validate_file

Role = Literal["admin", "municipal", "support"]
ACTIONS: dict[str, set[str]] = {
    "admin": {"broadcast", "classes", "shops", "stats", "reload", "report", "maintenance"},
    "municipal": {"broadcast", "classes", "stats", "report"},
    "support": {"shops", "reload", "stats"},
}


class StaffMember(Strict):
    id: str = Field(pattern=r"^(telegram|line|cli):\S+$")
    name: str
    role: Role
    municipalities: list[str] = []


class StaffFile(Strict):
    staff: list[StaffMember] = []


class StaffDirectory:
    def __init__(self, members: list[StaffMember]):
        self._by_id = {m.id: m for m in members}

    @classmethod
    def load(cls, path: str | Path | None) -> StaffDirectory:
        """An empty directory when there is no file; ``DataError`` (with lines) when it is invalid."""
        if path is None or not Path(path).exists():
            return cls([])
        return cls(validate_file(StaffFile, path).staff)

    def member(self, identity: str) -> StaffMember | None:
        return self._by_id.get(identity)

    def allows(self, identity: str, action: str, municipality: str | None = None) -> bool:
        member = self._by_id.get(identity)
        if member is None or action not in ACTIONS[member.role]:
            return False
        if member.role == "municipal" and municipality is not None:
            return municipality in member.municipalities
        return True

    def members_with(self, action: str) -> list[StaffMember]:
        return [m for m in self._by_id.values() if action in ACTIONS[m.role]]
