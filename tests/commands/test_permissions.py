"""Permission checks on every staff command, for each role, and the audit log of each action
(refusals included): admin everything, municipal only their municipalities, support the
shop listing only, residents and strangers nothing. Run in process through ``bot.cli``."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.backend import open_database
from tests.classes.test_import import GOOD, SHIMONOSEKI, csv_text
from tests.support.databases import rows
from tests.support.staff import run_cli, subscribe, write_staff


@pytest.fixture
def env(db_target, tmp_path, monkeypatch):
    """A database with subscribers in 宇部市 and 下関市, a staff file, two schedules."""
    db = db_target

    async def prepare():
        database = await open_database(db).open()
        await subscribe(database, "宇部市", ["console:a", "console:b"])
        await subscribe(database, "下関市", ["console:c"])
        await database.close()

    asyncio.run(prepare())
    ube = tmp_path / "ube.csv"
    ube.write_bytes(csv_text(GOOD).encode("cp932"))
    both = tmp_path / "both.csv"
    both.write_bytes(csv_text([*GOOD, SHIMONOSEKI]).encode("utf-8-sig"))
    monkeypatch.setenv("MADOGUCHI_DB", db)
    monkeypatch.setenv("MADOGUCHI_STAFF", str(write_staff(tmp_path)))
    monkeypatch.delenv("MADOGUCHI_STAFF_ID", raising=False)
    return {"db": db, "ube": str(ube), "both": str(both), "outbox": str(tmp_path / "outbox.jsonl")}


def audit(db: str) -> list[tuple[str, str, str]]:
    return rows(db, "SELECT actor, action, outcome FROM audit ORDER BY id")


def classes(db: str) -> list[str]:
    return [r[0] for r in rows(db, "SELECT municipality FROM classes ORDER BY id")]


def broadcast(env, who: str, city: str) -> tuple[int, str, str]:
    status, out, err, _ = run_cli(
        "broadcast", "--as", who, "--city", city, "--text", "お知らせ", "--yes", "--outbox", env["outbox"]
    )
    return status, out, err


def test_admin_may_do_everything(env):
    assert run_cli("classes", "import", env["both"], "--as", "admin")[0] == 0
    assert classes(env["db"]) == ["宇部市"] * 3 + ["下関市"]
    for city in ("宇部市", "下関市"):
        status, out, err = broadcast(env, "admin", city)
        assert status == 0, err
    assert run_cli("classes", "export", "--month", "2026-12", "--as", "admin")[0] == 0
    assert run_cli("report", "unanswered", "--as", "admin")[0] == 0
    assert run_cli("staff", "audit", "--as", "admin")[0] == 0
    assert run_cli("classes", "remove", "--city", "下関市", "--yes", "--as", "admin")[0] == 0
    assert "denied" not in {o for _, _, o in audit(env["db"])}


def test_a_municipal_member_works_only_for_their_city(env):
    status, out, _, _ = run_cli("classes", "import", env["both"], "--as", "ube")
    assert status == 1 and "5行目 「市区町村名」: 下関市の講座を登録する権限がありません" in out
    assert classes(env["db"]) == []  # all or nothing
    assert run_cli("classes", "import", env["both"], "--as", "ube", "--valid-only")[0] == 0
    assert classes(env["db"]) == ["宇部市"] * 3
    status, out, err = broadcast(env, "ube", "宇部市")
    assert status == 0 and "送信 2人" in out
    status, out, err = broadcast(env, "ube", "下関市")  # another city
    assert status == 3 and "下関市" in err and "権限がありません" in err
    status, _, err, _ = run_cli("classes", "export", "--city", "下関市", "--month", "2026-12", "--as", "ube")
    assert status == 3
    assert run_cli("classes", "remove", "--city", "下関市", "--yes", "--as", "ube")[0] == 3
    assert run_cli("staff", "audit", "--as", "ube")[0] == 3
    assert run_cli("report", "unanswered", "--as", "ube")[0] == 0
    denied = [(who, what) for who, what, outcome in audit(env["db"]) if outcome == "denied"]
    assert denied == [
        ("cli:ube", "broadcast.preview"),
        ("cli:ube", "classes.export"),
        ("cli:ube", "classes.remove"),
        ("cli:ube", "staff.audit"),
    ]
    with open(env["outbox"], encoding="utf-8") as f:
        delivered = [line for line in f if '"user": "c"' in line]
    assert delivered == []  # 下関市's subscriber never got 宇部市's broadcast, nor the refused one


def test_support_keeps_the_shop_listing_and_nothing_else(env):
    assert run_cli("classes", "import", env["ube"], "--as", "support")[0] == 3
    assert broadcast(env, "support", "宇部市")[0] == 3
    assert run_cli("classes", "export", "--month", "2026-12", "--as", "support")[0] == 3
    assert run_cli("report", "unanswered", "--as", "support")[0] == 3
    status, out, _, _ = run_cli("staff", "whoami", "--as", "support")
    assert status == 0 and "support" in out and "shops" in out
    assert classes(env["db"]) == []


def test_strangers_and_identities_a_command_line_cannot_take(env, monkeypatch):
    status, _, err, _ = run_cli("classes", "import", env["ube"], "--as", "nobody")
    assert status == 3 and "cli:nobody は担当者として登録されていません" in err
    status, _, err, _ = run_cli("classes", "import", env["ube"], "--as", "telegram:900")  # a real staff id, not ours
    assert status == 2 and "cli:" in err
    status, _, err, _ = run_cli("classes", "import", env["ube"])
    assert status == 2 and "--as" in err
    monkeypatch.setenv("MADOGUCHI_STAFF_ID", "ube")
    assert run_cli("classes", "import", env["ube"])[0] == 0
    monkeypatch.delenv("MADOGUCHI_STAFF")
    status, _, err, _ = run_cli("classes", "import", env["ube"])
    assert status == 3 and "担当者ファイルが指定されていません" in err
    assert ("cli:nobody", "classes.import", "denied") in audit(env["db"])


def test_every_staff_action_is_audited(env):
    run_cli("classes", "import", env["ube"], "--as", "ube", "--dry-run")
    run_cli("classes", "import", env["ube"], "--as", "ube")
    run_cli("classes", "export", "--month", "2026-12", "--as", "ube")
    broadcast(env, "ube", "宇部市")
    run_cli("broadcast", "--list", "--as", "ube")
    run_cli("report", "unanswered", "--as", "ube")
    run_cli("staff", "list", "--as", "admin")
    actions = [(who, what, outcome.split(":")[0]) for who, what, outcome in audit(env["db"])]
    assert actions == [
        ("cli:ube", "classes.import", "dry-run"),
        ("cli:ube", "classes.import", "imported"),
        ("cli:ube", "classes.export", "ok"),
        ("cli:ube", "broadcast.confirm", "confirmed"),
        ("cli:ube", "broadcast.send", "done"),
        ("cli:ube", "report.unanswered", "ok"),
        ("cli:admin", "staff.list", "ok"),
    ]


def test_staff_check_validates_the_file_with_lines(tmp_path):
    bad = tmp_path / "staff.yaml"
    bad.write_text(
        'staff:\n  - {id: "cli:a", name: A, role: admin}\n  - {id: "mail:b", name: B, role: boss}\n', encoding="utf-8"
    )
    status, out, err, _ = run_cli("staff", "check", str(bad))
    assert status == 1 and f"{bad}:3: staff[1].id" in err and f"{bad}:3: staff[1].role" in err
    assert run_cli("staff", "check", str(write_staff(tmp_path)))[0] == 0
