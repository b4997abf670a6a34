"""What staff decided about an unanswered message: handled (the knowledge now answers it)
or out of scope (not the bot's to answer). Kept beside the redacted text, by who and when.

Lives here: ``UnansweredMarks`` and ``MARKS``. Only SQL here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.backend import Backend

MARKS = ("handled", "out_of_scope")


class UnansweredMarks:
    def __init__(self, db: Backend):
        self.db = db

    async def set(self, text: str, lang: str, mark: str | None, actor: str) -> None:
        """Mark a message (``mark`` None: back to open)."""
        if mark is None:
            await self.db.conn.execute("DELETE FROM unanswered_marks WHERE text = ? AND lang = ?", (text, lang))
        else:
            if mark not in MARKS:
                raise ValueError(mark)
            await self.db.conn.execute(
                "INSERT INTO unanswered_marks (text, lang, mark, actor, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (text, lang) DO UPDATE SET mark = excluded.mark, actor = excluded.actor, at = excluded.at",
                (text, lang, mark, actor, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        await self.db.conn.commit()

    async def all(self) -> dict[tuple[str, str], str]:
        async with self.db.conn.execute("SELECT text, lang, mark FROM unanswered_marks") as cur:
            return {(r[0], r[1]): r[2] for r in await cur.fetchall()}
