"""Residents' secrets for the privacy tests: three messages a MyNa Portal helpline hears, the
digits in them, and the check that those digits are stored nowhere.

Lives here: ``SECRET_MESSAGES`` (a valid My Number, a PIN next to 暗証番号, a health-insurance
number), ``DIGITS`` (what must never be kept, with and without the spaces typed), ``WARNING``
(words of the warning in Japanese) ``settled_texts`` (an app's pending writes made, its
unanswered texts; on PostgreSQL also every stored row as text) and ``assert_kept_nowhere`` (the database file and its WAL, a log text and
the unanswered report)."""

from __future__ import annotations

from pathlib import Path

MY_NUMBER = "4937 2816 5533"  # its check digit (3) is valid
PIN = "739164"
INSURANCE = "80235716"
SECRET_MESSAGES = [
    f"マイナンバーは {MY_NUMBER} です。登録できますか",
    f"暗証番号は{PIN}で合っていますか",
    f"保険証の番号 {INSURANCE} でオンライン診療できますか",
]
DIGITS = [MY_NUMBER, MY_NUMBER.replace(" ", ""), PIN, INSURANCE]
WARNING = "チャットに書かないでください"


async def settled_texts(app) -> list[str]:
    """Write what the app holds back (states, misses) and return the unanswered report's texts."""
    from bot.store.unanswered import UnansweredLog

    await app.engine.conversations.flush()
    misses = await UnansweredLog(app.db).top(100)
    if app.db.kind == "sqlite":
        await app.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return [m.text for m in misses]
    # PostgreSQL keeps no file of ours to read: every row of every table, as text, instead.
    tables = await app.db.conn.execute_fetchall("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    rows = [await app.db.conn.execute_fetchall(f"SELECT t::text FROM {name} AS t") for (name,) in tables]
    return [m.text for m in misses] + [r[0] for table in rows for r in table]


def assert_kept_nowhere(db_path: str | Path, *texts: str) -> None:
    """None of ``DIGITS`` in the database file (and its WAL) nor in any of ``texts``."""
    files = [Path(db_path), Path(f"{db_path}-wal")]
    stored = b"".join(f.read_bytes() for f in files if f.exists())
    for digits in DIGITS:
        assert digits.encode() not in stored, f"{digits} is in the database file"
        for text in texts:
            assert digits not in text, f"{digits} is in: {text[:200]}"
