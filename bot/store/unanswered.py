"""Messages the bot could not answer, kept without user identity, so staff can teach it.

Lives here: ``UnansweredLog`` (count a miss; list the most frequent) and ``redact``.
A row holds only the redacted text, its language, a count and the first and last
*day* it was seen — no user key, no time of day (a time could be matched with a
conversation's ``updated_at``). ``redact`` masks what could identify someone before
anything is stored: runs of four or more digits (phone, card and account numbers,
postcodes), e-mail addresses and URLs. Only SQL here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.store.database import Database

MAX_CHARS = 200  # longer messages are cut: a question is short; a pasted letter is not kept whole
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_DIGITS = re.compile(r"\d[\d\s\-‐−ー－()（）]{2,}\d")


def redact(text: str) -> str:
    """The message as kept: NFKC, spaces collapsed, identifiers masked, at most MAX_CHARS."""
    text = unicodedata.normalize("NFKC", text)
    text = _EMAIL.sub("[メール]", text)
    text = _URL.sub("[URL]", text)
    text = _DIGITS.sub(lambda m: "[番号]" if sum(c.isdigit() for c in m.group()) >= 4 else m.group(), text)
    text = " ".join(text.split())
    return text[:MAX_CHARS]


@dataclass(frozen=True)
class Miss:
    text: str
    lang: str
    count: int
    first_day: str
    last_day: str


class UnansweredLog:
    def __init__(self, db: Database):
        self.db = db

    async def record(self, text: str, lang: str, day: date) -> None:
        kept = redact(text)
        if not kept:
            return
        await self.db.conn.execute(
            "INSERT INTO unanswered (text, lang, count, first_day, last_day) VALUES (?, ?, 1, ?, ?) "
            "ON CONFLICT (text, lang) DO UPDATE SET count = count + 1, last_day = excluded.last_day",
            (kept, lang, day.isoformat(), day.isoformat()),
        )
        await self.db.conn.commit()

    async def top(self, limit: int = 20, since: date | None = None, lang: str | None = None) -> list[Miss]:
        where, args = ["1 = 1"], []
        if since:
            where.append("last_day >= ?")
            args.append(since.isoformat())
        if lang:
            where.append("lang = ?")
            args.append(lang)
        async with self.db.conn.execute(
            f"SELECT text, lang, count, first_day, last_day FROM unanswered WHERE {' AND '.join(where)} "
            "ORDER BY count DESC, last_day DESC, text LIMIT ?",
            (*args, limit),
        ) as cur:
            return [Miss(*r) for r in await cur.fetchall()]

    async def total(self) -> tuple[int, int]:
        """(distinct messages, all misses)."""
        async with self.db.conn.execute("SELECT COUNT(*), COALESCE(SUM(count), 0) FROM unanswered") as cur:
            distinct, total = await cur.fetchone()
        return distinct, total
