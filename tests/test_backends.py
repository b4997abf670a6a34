"""The suite runs on both backends: a test gets its database from the fixtures that come once
per backend (``db``, ``stores``, ``app``, ``db_target``, ``demo_target``; ``tests/conftest.py``).
A test module that opens a database of its own instead (a SQLite file path, ``Database(…)``)
is listed here with the reason it runs on one engine only, so a new test cannot leave
PostgreSQL out by accident."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OWN_DATABASE = re.compile(r"\bDatabase\(|\.db[\"']")

ONE_ENGINE = {
    "conftest.py": "makes the SQLite demo file the fixtures copy",
    "store/test_database.py": "SQLite's own connection: WAL, PRAGMA user_version, the read-only reader",
    "store/test_conversations.py": "beside the tests on both: SQLite's held-back writes and its cache of states",
    "store/test_notices.py": "PostgreSQL's notices, and that SQLite tells nothing",
    "store/test_resident_turns.py": "PostgreSQL's turn lock across processes",
    "broadcast/test_engine.py": "beside the tests on both: pacing on virtual time (SQLite), halts heard at once (PostgreSQL)",
    "broadcast/test_scheduler_leadership.py": "leadership on PostgreSQL; every process leads on SQLite",
    "commands/test_db.py": "copies a SQLite file into PostgreSQL",
    "test_cli.py": "what the command line does with a file path: missing folder, corrupt file, default name",
    "test_runtime.py": "a database file that cannot be opened",
    "channels/test_console.py": "the console process started with a database file (its dialogue runs on both in test_conversations)",
    "channels/line/test_command.py": "the LINE process started with a database file (4 processes on PostgreSQL: test_processes)",
    "channels/telegram/test_command.py": "the Telegram process started with a database file",
    "channels/telegram/test_webhook.py": "the webhook server started with a database file (its updates run on both in the other tests)",
    "data/test_watch.py": "the shop-file watcher; an edit told by PostgreSQL is test_listing_sync",
    "fuzz/test_console.py": "hostile input through the console process",
    "fuzz/test_importer.py": "hostile CSV through the import command (Hypothesis: hundreds of runs)",
    "privacy/test_screening.py": "the console process's screening of what residents type",
    "web/test_browser.py": "one browser session for the module; the same console runs on both in the other web tests",
    "test_conversations.py": "the whole conversation set on SQLite, every tenth case on PostgreSQL too",
}


def test_every_test_that_opens_its_own_database_says_why_it_runs_on_one_engine():
    found = {
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path.name != "test_backends.py" and OWN_DATABASE.search(path.read_text(encoding="utf-8"))
    }
    assert found - ONE_ENGINE.keys() == set(), "take the database from db_target or demo_target instead"
    assert ONE_ENGINE.keys() - found == set(), "no longer opens its own database: take it off the list"
