"""The stores' SQL as PostgreSQL gets it (``bot.store.postgres``), without a server: numbered
placeholders outside quoted literals only, SQLite's index hints dropped, command statuses read
as row counts, reads told from writes."""

from __future__ import annotations

from bot.store.postgres import _returns_rows, _rowcount, numbered


def test_placeholders_are_numbered_outside_quotes_only():
    sql = "SELECT * FROM audit WHERE action = ? AND target = 'what?' AND outcome LIKE ? LIMIT ?"
    assert numbered(sql) == "SELECT * FROM audit WHERE action = $1 AND target = 'what?' AND outcome LIKE $2 LIMIT $3"


def test_sqlite_index_hints_are_dropped():
    sql = "SELECT * FROM classes INDEXED BY classes_city_when WHERE municipality = ?"
    assert numbered(sql) == "SELECT * FROM classes WHERE municipality = $1"


def test_command_statuses_are_row_counts():
    assert [_rowcount(s) for s in ("UPDATE 3", "INSERT 0 1", "DELETE 0", "BEGIN")] == [3, 1, 0, -1]


def test_reads_and_returning_writes_give_rows_other_writes_do_not():
    assert _returns_rows("  select 1") and _returns_rows("WITH x AS (SELECT 1) SELECT * FROM x")
    assert _returns_rows("UPDATE deliveries SET status = 'sent' WHERE id = ? RETURNING user_key")
    assert not _returns_rows("UPDATE deliveries SET status = 'sent' WHERE id = ?")
    assert not _returns_rows("INSERT INTO audit (at) VALUES (?)")
    assert _returns_rows("EXPLAIN SELECT * FROM classes")
