"""Messages the bot could not answer, kept without user identity, so staff can teach it.

Lives here: ``UnansweredLog`` (count a miss; list the most frequent) and ``redact``.
A row holds only the redacted text, its language, a count and the first and last
*day* it was seen — no user key, no time of day (a time could be matched with a
conversation's ``updated_at``). ``redact`` masks what could identify someone before
anything is stored: runs of four or more digits (phone, card and account numbers,
postcodes), e-mail addresses and URLs. Misses are counted in memory and written a
moment later, many at once (``WriteBehind``): keeping a miss never delays an answer.
Only SQL here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.store.backend import Backend
from bot.store.write_behind import WriteBehind

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


def _add(pending: dict, key: tuple[str, str], seen: list) -> None:
    """Count one more sighting (``seen``: count, first day, last day) of a miss."""
    count, first, last = seen
    if key in pending:
        before = pending[key]
        pending[key] = [before[0] + count, min(before[1], first), max(before[2], last)]
    else:
        pending[key] = [count, first, last]


class UnansweredLog:
    def __init__(self, db: Backend):
        self.db = db
        self._writes = WriteBehind(db, self._write, "unanswered messages", merge_back=_add)

    async def record(self, text: str, lang: str, day: date) -> None:
        kept = redact(text)
        if not kept:
            return
        _add(self._writes.pending, (kept, lang), [1, day.isoformat(), day.isoformat()])
        self._writes.soon()

    async def _write(self, pending: dict) -> None:
        await self.db.conn.executemany(
            "INSERT INTO unanswered (text, lang, count, first_day, last_day) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (text, lang) DO UPDATE SET count = unanswered.count + excluded.count, "
            "first_day = CASE WHEN excluded.first_day < unanswered.first_day THEN excluded.first_day "
            "ELSE unanswered.first_day END, "
            "last_day = CASE WHEN excluded.last_day > unanswered.last_day THEN excluded.last_day "
            "ELSE unanswered.last_day END",
            [(text, lang, count, first, last) for (text, lang), (count, first, last) in pending.items()],
        )
        await self.db.conn.commit()

    async def top(self, limit: int = 20, since: date | None = None, lang: str | None = None) -> list[Miss]:
        await self.db.settle()
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
        await self.db.settle()
        async with self.db.conn.execute("SELECT COUNT(*), COALESCE(SUM(count), 0) FROM unanswered") as cur:
            distinct, total = await cur.fetchone()
        return distinct, total
