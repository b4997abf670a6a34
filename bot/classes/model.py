"""One class session (講習会) as the bot knows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ClassSession:
    prefecture: str
    municipality: str
    venue: str
    phone: str
    address: str
    day: date
    start: str  # "HH:MM"
    level: str  # 入門 / 体験 / 基本 / 応用 / 活用
    title: str
    end: str | None = None
    shop_id: str | None = None
    carrier: str | None = None
    topics: tuple[str, ...] = ()
    capacity: int | None = None
    seats_left: int | None = None
    booking_required: bool = True
    bring: str | None = None
    sample: bool = False
    id: int | None = None

    @property
    def natural_key(self) -> str:
        """What makes two imports the same class: place, day, start and title."""
        return "|".join((self.municipality, self.venue, self.day.isoformat(), self.start, self.title))
