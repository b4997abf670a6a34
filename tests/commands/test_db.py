"""``madoguchi db migrate`` and ``madoguchi db copy``: a prefecture's SQLite data moved into
PostgreSQL without losing a row, refused into a database that holds data, and no password
printed."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from bot.app import open_app
from bot.clock import FixedClock
from bot.store.bundle import Stores
from bot.store.database import Database
from tests.conftest import NOW, run_apart
from tests.support.staff import run_cli, subscribe


def _filled(path: str) -> None:
    """A SQLite file with demo classes, subscriptions, a broadcast with deliveries, audit rows."""

    async def fill():
        app = await open_app(path, demo=True, clock=FixedClock(NOW))
        await app.close()
        db = await Database(path).open()
        stores = Stores.over(db)
        await subscribe(db, "宇部市", ["line:U1", "telegram:2", "console:3"])
        broadcast = await stores.broadcasts.create("cli:ube", "宇部市", "text", "お知らせ")
        await stores.broadcasts.start(broadcast)
        await stores.audit.record("cli:ube", "broadcast.send", "宇部市", "ok")
        await stores.conversations.save("line:U1", {"city": "宇部市"})
        await db.close()

    run_apart(fill())


def _rows(path: str) -> dict[str, list]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(map(tuple, conn.execute(f"SELECT * FROM {n}"))) for n in names}


async def _pg_rows(url: str, tables) -> dict[str, list]:
    conn = await asyncpg.connect(url)
    try:
        return {t: sorted(tuple(r) for r in await conn.fetch(f"SELECT * FROM {t}")) for t in tables}
    finally:
        await conn.close()


def test_copy_moves_every_row_and_the_copy_serves(tmp_path, postgres):
    source = str(tmp_path / "ube.db")
    _filled(source)
    target = run_apart(postgres.database())
    status, out, err, _ = run_cli("db", "copy", source, target)
    assert status == 0, err
    before = _rows(source)
    assert before["classes"] and before["deliveries"] and before["audit"]
    copied = run_apart(_pg_rows(target, before))
    assert copied == before  # every table, every row, every value
    assert f"classes: {len(before['classes'])}" in out and "all copied" in out

    async def serve():  # the copy answers, and a new row gets a fresh id
        app = await open_app(target, clock=FixedClock(NOW))
        try:
            new = await app.stores.broadcasts.create("cli:ube", "宇部市", "text", "次のお知らせ")
            found, _ = await app.stores.classes.search(_ube_query())
            return new, found
        finally:
            await app.close()

    new, found = run_apart(serve())
    assert new == max(r[0] for r in before["broadcasts"]) + 1 and found


def _ube_query():
    from bot.store.classes import ClassQuery

    return ClassQuery(now=NOW, until=NOW.date().replace(day=28), municipalities=("宇部市",))


def test_copy_into_a_database_that_holds_data_is_refused_whole(tmp_path, postgres):
    source = str(tmp_path / "ube.db")
    _filled(source)
    target = run_apart(postgres.database())
    assert run_cli("db", "copy", source, target)[0] == 0
    status, _, err, _ = run_cli("db", "copy", source, target)
    assert status == 1 and "already holds rows" in err
    assert len(run_apart(_pg_rows(target, ["classes"]))["classes"]) == len(_rows(source)["classes"])


def test_migrate_names_the_engine_and_never_prints_a_password(tmp_path, postgres, monkeypatch):
    target = run_apart(postgres.database())
    status, out, _, _ = run_cli("db", "migrate", "--db", target)
    assert status == 0 and "postgresql, schema version" in out
    monkeypatch.setenv("MADOGUCHI_DB", str(tmp_path / "new.db"))
    status, out, _, _ = run_cli("db", "migrate")
    assert status == 0 and "sqlite, schema version" in out
    secret = target.replace("postgres@", "postgres:hunter2@").replace("?host=", "?host=/nonexistent&x=")
    status, out, err, _ = run_cli("db", "migrate", "--db", secret)
    assert status == 2 and "hunter2" not in out + err


@pytest.mark.parametrize("argv", [("copy", "nothere.db", "postgresql://x@/y"), ("copy", "a.db", "b.db")])
def test_copy_with_a_wrong_argument_says_how(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, err, _ = run_cli("db", *argv)
    assert status == 2 and ("no such file" in err or "usage" in err)


def test_tables_whose_keys_point_at_each_other_are_refused_before_anything_is_copied(tmp_path, postgres):
    source = str(tmp_path / "odd.db")
    _filled(source)
    with sqlite3.connect(source) as conn:
        conn.executescript(
            "CREATE TABLE odd_a (id INTEGER PRIMARY KEY, b INTEGER REFERENCES odd_b (id));"
            "CREATE TABLE odd_b (id INTEGER PRIMARY KEY, a INTEGER REFERENCES odd_a (id));"
        )
    target = run_apart(postgres.database())
    status, _, err, _ = run_cli("db", "copy", source, target)
    assert status == 1 and "foreign keys in a cycle: odd_a, odd_b" in err
    assert run_apart(_pg_rows(target, ["classes", "audit"])) == {"classes": [], "audit": []}
