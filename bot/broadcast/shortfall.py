"""What a sender's ``preflight`` finds before a broadcast, and how staff read it.

Lives here: ``Shortfall`` (``needed`` messages where only ``remaining`` are left this month,
of ``limit`` with ``used`` sent; or ``unchecked``: why the sender could not look — LINE's
monthly message quota) and ``shortfall_text`` (the ``broadcast.quota.*`` texts of
``knowledge/texts.yaml``, Japanese for staff unless asked otherwise). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.data.knowledge import Knowledge


@dataclass(frozen=True)
class Shortfall:
    needed: int
    remaining: int | None = None
    limit: int | None = None
    used: int | None = None
    unchecked: str | None = None  # the quota could not be read: why


def shortfall_text(knowledge: Knowledge, found: Shortfall | str, lang: str = "ja") -> str:
    """A preflight's finding as staff read it (a sender may also say it in words)."""
    if isinstance(found, str):
        return found
    if found.unchecked is not None:
        return knowledge.text("broadcast.quota.unchecked", lang, reason=found.unchecked)
    values = {"needed": found.needed, "remaining": found.remaining, "limit": found.limit, "used": found.used}
    return knowledge.text("broadcast.quota.short", lang, **values)
