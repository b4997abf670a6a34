"""``madoguchi broadcast`` from the command line: preview and confirm, no send without an
explicit yes, scheduled broadcasts with ``--at`` sent by ``--due``, list, status, cancel,
and resuming failed deliveries."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.store.backend import open_database
from tests.support.databases import rows
from tests.support.staff import run_cli, subscribe, write_staff


@pytest.fixture
def env(db_target, tmp_path, monkeypatch):
    db = db_target

    async def prepare():
        database = await open_database(db).open()
        await subscribe(database, "宇部市", ["console:a", "console:b", "fake:1"])
        await database.close()

    asyncio.run(prepare())
    monkeypatch.setenv("MADOGUCHI_DB", db)
    monkeypatch.setenv("MADOGUCHI_STAFF", str(write_staff(tmp_path)))
    monkeypatch.setenv("MADOGUCHI_STAFF_ID", "ube")
    return {"db": db, "outbox": str(tmp_path / "outbox.jsonl")}


def outbox(env) -> list[dict]:
    try:
        with open(env["outbox"], encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def statuses(env) -> list[str]:
    return [r[0] for r in rows(env["db"], "SELECT status FROM broadcasts ORDER BY id")]


def test_nothing_is_sent_without_an_explicit_yes(env):
    status, out, err, _ = run_cli("broadcast", "--city", "宇部市", "--text", "お知らせ", "--outbox", env["outbox"])
    assert status == 1
    assert "配信の確認" in out and "現在の受信者: 3人" in out and "お知らせ" in out
    assert "--yes" in err and "何も送っていません" in out
    assert outbox(env) == [] and statuses(env) == []


def test_send_with_yes_reports_and_a_channel_without_sender_is_named(env):
    status, out, err, _ = run_cli(
        "broadcast", "--city", "宇部市", "--text", "12月の講習会", "--yes", "--outbox", env["outbox"]
    )
    assert status == 1  # one delivery could not be made here
    assert "注意: fake の送信設定がない" in out
    assert "送信 2人、失敗 1人、ブロック 0人（対象 3人" in out
    assert [(m["user"], m["replies"][0]["text"]) for m in outbox(env)] == [("a", "12月の講習会"), ("b", "12月の講習会")]
    assert "送信" in err  # the progress bar went to stderr
    # later, with the fake channel available, only the failed one goes
    status, out, _, _ = run_cli(
        "broadcast",
        "--resume",
        "1",
        "--retry-failed",
        "--yes",
        "--outbox",
        env["outbox"],
        "--sender",
        "tests.support.broadcast_fake:make_sender",
    )
    assert status == 0 and "送信 3人、失敗 0人" in out
    assert len(outbox(env)) == 2


def test_scheduled_with_at_then_sent_by_due(env):
    status, out, _, _ = run_cli(
        "broadcast",
        "--city",
        "宇部市",
        "--text",
        "予約配信",
        "--at",
        "2099-01-01 12:00",
        "--yes",
        "--outbox",
        env["outbox"],
    )
    assert status == 0 and "予約しました" in out and statuses(env) == ["scheduled"]
    status, out, _, _ = run_cli("broadcast", "--list")
    assert "予約済み" in out and "scheduled" not in out and "予約 2099/01/01 12:00" in out
    status, out, _, _ = run_cli("broadcast", "--status", "1")
    assert status == 0 and "予約: 2099/01/01 12:00" in out and "予約配信" in out
    # the command line runs on the real clock: bring the time forward
    rows(env["db"], "UPDATE broadcasts SET send_at = '2000-01-01T00:00:00+00:00'")
    status, out, _, _ = run_cli(
        "broadcast", "--due", "--outbox", env["outbox"], "--sender", "tests.support.broadcast_fake:make_sender"
    )
    assert status == 0 and "完了しました" in out
    assert statuses(env) == ["done"] and len(outbox(env)) == 2
    status, out, _, _ = run_cli("broadcast", "--due")
    assert "いま送るものはありません" in out


def test_cancel_a_scheduled_broadcast(env):
    run_cli("broadcast", "--city", "宇部市", "--text", "x", "--at", "2099-01-01 10:00", "--yes")
    assert run_cli("broadcast", "--cancel", "1", "--as", "yamaguchi")[0] == 3
    status, out, _, _ = run_cli("broadcast", "--cancel", "1")
    assert status == 0 and statuses(env) == ["cancelled"]
    assert run_cli("broadcast", "--cancel", "1")[0] == 1
    status, _, err, _ = run_cli("broadcast", "--resume", "1", "--yes")
    assert status == 1 and "取り消されています" in err


def test_a_digest_broadcast_and_usage_errors(env):
    status, _, err, _ = run_cli("broadcast", "--city", "宇部市", "--digest", "--yes")
    assert status == 1 and "講座が登録されていません" in err
    assert run_cli("broadcast", "--text", "x", "--yes")[0] == 2
    assert run_cli("broadcast", "--city", "宇部市", "--yes")[0] == 2
    status, _, err, _ = run_cli("broadcast", "--city", "宇部市", "--text", "x", "--at", "tomorrow", "--yes")
    assert status == 2 and "--at" in err


@pytest.mark.parametrize("city", ["宇部", "うべ", "宇部市"])
def test_the_member_of_a_city_may_name_it_short(env, city):
    status, out, err, _ = run_cli(
        "broadcast",
        "--city",
        city,
        "--text",
        "12月の講習会",
        "--yes",
        "--outbox",
        env["outbox"],
        "--channel",
        "console",
    )
    assert status == 0, err
    assert [m["user"] for m in outbox(env)] == ["a", "b"]
    assert rows(env["db"], "SELECT municipality FROM broadcasts") == [("宇部市",)]
    assert "denied" not in {r[0] for r in rows(env["db"], "SELECT outcome FROM audit")}


def test_a_short_name_does_not_open_another_city(env):
    status, _, err, _ = run_cli("broadcast", "--city", "山口", "--text", "x", "--yes", "--outbox", env["outbox"])
    assert status == 3 and "山口市" in err and "権限がありません" in err
