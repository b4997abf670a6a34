"""The shape of the code: the core stays platform-neutral (only bot/channels may import a
platform SDK), SQL runs only in bot/store/, and the store depends on nothing above it."""

import ast
import re
import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
SDK = re.compile(r"^\s*(from|import)\s+(telegram|linebot)\b", re.M)


def test_no_platform_sdk_outside_channels():
    offenders = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if "channels" not in path.parts and SDK.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_loading_the_core_loads_no_sdk():
    code = (
        "import sys, bot.app, bot.dialogue.engine, bot.channels.console;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('telegram','linebot','pykakasi')];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_module_says_what_lives_there():
    missing = [
        str(p.relative_to(BOT))
        for p in BOT.rglob("*.py")
        if not p.read_text(encoding="utf-8").lstrip().startswith('"""')
    ]
    assert missing == []


# -- SQL only in bot/store/ ------------------------------------------------------------

STORE = BOT / "store"
# The methods that run SQL on a connection (sqlite3, aiosqlite) or on ``Database.read``.
SQL_CALLS = {"execute", "executemany", "executescript", "execute_fetchall", "execute_insert"}
SQL_TEXT = re.compile(
    r"^\s*(SELECT|PRAGMA|WITH)\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|TRIGGER|VIEW)\b|\bSELECT\b[\s\S]+\bFROM\b"
)


def sql_in(source: str) -> list[str]:
    """Where ``source`` runs SQL: calls of a connection's execute methods, reaching for the
    raw connection (``.conn``), and string literals that are SQL statements (not docstrings
    and other bare strings, which may quote a resident's 「DROP TABLE」)."""
    found = []
    tree = ast.parse(source)
    prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    for node in ast.walk(tree):
        if id(node) in prose:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            found.append(f"line {node.lineno}: .{node.func.attr}(")
        elif isinstance(node, ast.Attribute) and node.attr in ("conn", "_conn", "_reader"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


def _sql_outside_store() -> dict[str, list[str]]:
    return {
        str(path.relative_to(BOT)): hits
        for path in sorted(BOT.rglob("*.py"))
        if STORE not in path.parents and (hits := sql_in(path.read_text(encoding="utf-8")))
    }


def test_the_sql_detector_finds_each_way_of_running_sql():
    assert sql_in("await db.conn.execute(sql, args)") != []
    assert sql_in("cur.executemany(q, rows)") != []
    assert sql_in("conn.executescript(script)") != []
    assert sql_in("rows = store.db.read('SELECT * FROM classes WHERE id = ?', (1,))") != []
    assert sql_in("q = 'SELECT COUNT(*) FROM residents WHERE blocked = 1'") != []
    assert sql_in('q = "UPDATE broadcasts SET status = ?"') != []
    assert sql_in("run('DELETE FROM seen_events WHERE seen_at < ?')") != []
    assert sql_in("SQL = 'INSERT OR IGNORE INTO seen_events VALUES (?)'") != []
    # words, not statements: a resident's text, a file read, a Japanese label
    assert sql_in("text = 'Please select a city from the list'; data = request.read()") == []
    assert sql_in("label = '講座を選択（SELECT）'; store.update(row)") == []
    assert sql_in('def f():\n    """A resident may write "DROP TABLE classes"."""') == []


def test_only_the_store_runs_sql():
    offenders = _sql_outside_store()
    assert offenders == {}, "SQL belongs in a bot/store/ method: " + repr(offenders)


def test_the_store_knows_nothing_of_channels_dialogue_or_understanding():
    above = re.compile(r"^\s*(from|import)\s+bot\.(channels|dialogue|understanding|broadcast|web|commands)\b", re.M)
    offenders = [str(p.relative_to(BOT)) for p in STORE.rglob("*.py") if above.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# -- tests/ mirrors bot/ ---------------------------------------------------------------

TESTS = Path(__file__).resolve().parent
NOT_MIRRORED = {"support", "conversations", "fuzz"}  # shared fakes, the conversation set, fuzzing


def test_tests_mirror_bot():
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert sorted(f for f in folders - NOT_MIRRORED if not (BOT / f).is_dir()) == []


def test_one_db_fixture_and_one_virtual_clock():
    own_db = re.compile(r"^(async )?def db\(", re.M)
    clock = re.compile(r"^class \w*(Clock|Time)\b", re.M)
    sources = {str(p.relative_to(TESTS)): p.read_text(encoding="utf-8") for p in TESTS.rglob("*.py")}
    assert [name for name, text in sources.items() if own_db.search(text)] == ["conftest.py"]
    assert [name for name, text in sources.items() if clock.search(text)] == ["support/clock.py"]
