"""Faults injected into a test's database connection (shared by the store tests)."""

from __future__ import annotations

import sqlite3

from bot.store.backend import Backend


def fail_next_executemany(db: Backend) -> None:
    """The connection's next ``executemany`` raises a disk error; the one after works again."""
    executemany = db.conn.executemany

    def failing(*args, **kwargs):
        db.conn.executemany = executemany  # only once
        raise sqlite3.OperationalError("disk I/O error (fake)")

    db.conn.executemany = failing
