"""Counts for staff: one channel's conversations, blocked residents and subscriptions.

Lives here: ``ChannelStats`` (read-only): ``conversations``, ``blocked``,
``subscriptions`` (by municipality, blocked residents left out, largest first) and
``towns`` (for municipal staff: the residents subscribed in their towns and how many of
them blocked the bot). A channel is the prefix of its residents' keys (``telegram``).
Touches the conversations, residents and subscriptions tables, reading only.
"""

from __future__ import annotations

from bot.store.backend import Backend


class ChannelStats:
    def __init__(self, db: Backend, channel: str):
        self.db = db
        self.like = channel + ":%"

    async def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        async with self.db.conn.execute(sql, args) as cur:
            return [tuple(row) for row in await cur.fetchall()]

    async def conversations(self) -> int:
        return (await self._rows("SELECT COUNT(*) FROM conversations WHERE user_key LIKE ?", (self.like,)))[0][0]

    async def blocked(self) -> int:
        sql = "SELECT COUNT(*) FROM residents WHERE blocked = 1 AND user_key LIKE ?"
        return (await self._rows(sql, (self.like,)))[0][0]

    async def subscriptions(self, towns: tuple[str, ...] | None = None) -> list[tuple[str, int]]:
        rows = await self._rows(
            "SELECT s.municipality, COUNT(*) FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
            "WHERE s.user_key LIKE ? AND COALESCE(r.blocked, 0) = 0 GROUP BY s.municipality ORDER BY COUNT(*) DESC",
            (self.like,),
        )
        return [r for r in rows if towns is None or r[0] in towns]

    async def towns(self, towns: tuple[str, ...]) -> tuple[int, int]:
        """(residents subscribed in ``towns``, of whom blocked)."""
        marks = ", ".join("?" * len(towns))
        ((people, blocked),) = await self._rows(
            "SELECT COUNT(DISTINCT s.user_key), COUNT(DISTINCT CASE WHEN r.blocked = 1 THEN s.user_key END) "
            "FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
            f"WHERE s.user_key LIKE ? AND s.municipality IN ({marks})",
            (self.like, *towns),
        )
        return people, blocked
