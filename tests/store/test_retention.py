"""Keeping data only as long as needed, on a virtual clock: every retention rule keeps a record
the day before its time and purges it the day after — a conversation's context (30 days of
silence, and the engine treats an expired state as new), unanswered questions (180 days),
delivery records of broadcasts and reminders (a year; never one still pending), audit entries
(three years) —, the periods are configurable, ``madoguchi maintenance purge --dry-run`` lists
and deletes nothing, the purge is audited, and a channel process runs it by itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.messages import IncomingMessage
from bot.store.audit import AuditLog
from bot.store.backend import open_database
from bot.store.conversations import ConversationStore
from bot.store.retention import Purger, RetentionPolicy
from bot.store.unanswered import UnansweredLog
from tests.support.conversations import visible
from tests.support.databases import rows
from tests.support.staff import run_cli, write_staff

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def count(db, sql: str) -> int:
    async with db.conn.execute(sql) as cur:
        (n,) = await cur.fetchone()
    return n


async def test_a_conversation_expires_after_30_days_of_silence(db):
    store = ConversationStore(db)
    store.expire_after(timedelta(days=30), lambda: T0)
    await store.save("line:U1", {"city": "宇部市"})
    await store.flush()
    purger = Purger(db)
    assert (await purger.due(T0 + 29 * DAY))[0].count == 0
    assert (await purger.purge(T0 + 31 * DAY))["conversations"] == 1
    assert await count(db, "SELECT COUNT(*) FROM conversations WHERE state = '{}'") == 1  # the row stays, empty
    store.expire_after(timedelta(days=30), lambda: T0 + 31 * DAY)
    assert await ConversationStore(db).load("line:U1") == {}


async def test_the_engine_treats_an_expired_state_as_new(app, clock):
    await app.engine.handle(IncomingMessage("u", text="ドコモショップはどこ？"))  # asks which city
    clock.when += timedelta(days=29)
    assert "0120-244-902" in visible(await app.engine.handle(IncomingMessage("u", text="防府")))
    await app.engine.handle(IncomingMessage("v", text="ドコモショップはどこ？"))
    clock.when += timedelta(days=31)
    answer = visible(await app.engine.handle(IncomingMessage("v", text="防府")))
    assert "0120-244-902" not in answer  # the pending question was forgotten: 「防府市の何を…」


async def test_unanswered_questions_are_kept_180_days_after_they_were_last_asked(db):
    log = UnansweredLog(db)
    await log.record("ふわふわ", "ja", date(2026, 1, 10))
    await log.record("ぴよぴよ", "ja", date(2026, 3, 1))
    purger = Purger(db)
    assert (await purger.purge(T0 + 179 * DAY))["unanswered"] == 0
    assert (await purger.purge(T0 + 181 * DAY))["unanswered"] == 1
    assert [m.text for m in await log.top()] == ["ぴよぴよ"]


async def _deliveries(db, status: str, at: datetime) -> None:
    await db.conn.execute(
        "INSERT INTO broadcasts (id, created_at, created_by, municipality, kind, text, "
        "status) VALUES (1, ?, 'cli:ube', '宇部市', 'text', 'x', 'done') ON CONFLICT DO NOTHING",
        (at.isoformat(),),
    )
    await db.conn.execute(
        "INSERT INTO deliveries (broadcast_id, user_key, channel, status, updated_at) VALUES (1, ?, 'line', ?, ?)",
        (f"line:U-{status}", status, at.isoformat()),
    )
    await db.conn.execute(
        "INSERT INTO reminders (user_key, class_id, due_at, status, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?)",
        (f"line:U-{status}", at.isoformat(), status, at.isoformat(), at.isoformat()),
    )
    await db.conn.commit()


async def test_delivery_records_are_kept_a_year_and_pending_ones_always(db):
    await _deliveries(db, "sent", T0)
    await _deliveries(db, "pending", T0)
    purger = Purger(db)
    done = await purger.purge(T0 + 364 * DAY)
    assert (done["deliveries"], done["reminders"]) == (0, 0)
    done = await purger.purge(T0 + 366 * DAY)
    assert (done["deliveries"], done["reminders"]) == (1, 1)
    assert await count(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") == 1
    assert await count(db, "SELECT COUNT(*) FROM reminders WHERE status = 'pending'") == 1


async def test_audit_entries_are_kept_three_years_or_as_configured(db):
    await AuditLog(db).record("cli:ube", "broadcast", "宇部市", "ok")
    now = datetime.now(UTC)
    assert (await Purger(db).purge(now + 3 * 365 * DAY - DAY))["audit"] == 0
    assert (await Purger(db, RetentionPolicy(audit=timedelta(days=30))).due(now + 31 * DAY))[-1].count == 1
    assert (await Purger(db).purge(now + 3 * 365 * DAY + DAY))["audit"] == 1


def test_the_periods_come_from_the_environment(monkeypatch):
    from bot import config

    monkeypatch.setenv("MADOGUCHI_KEEP_CONVERSATION_DAYS", "7")
    monkeypatch.setenv("MADOGUCHI_KEEP_AUDIT_DAYS", "3650")
    policy = RetentionPolicy.from_days(config.retention_days())
    assert (policy.conversations, policy.audit, policy.unanswered) == (
        timedelta(days=7),
        timedelta(days=3650),
        timedelta(days=180),
    )
    monkeypatch.setenv("MADOGUCHI_KEEP_AUDIT_DAYS", "３年")
    with pytest.raises(config.BadSetting, match="MADOGUCHI_KEEP_AUDIT_DAYS"):
        config.retention_days()


def test_purge_from_the_command_line_dry_run_first(db_target, tmp_path, monkeypatch):
    path = db_target
    old = datetime.now(UTC) - 400 * DAY

    async def fill():
        database = await open_database(path).open()
        await UnansweredLog(database).record("古い質問", "ja", old.date())
        await UnansweredLog(database).record("新しい質問", "ja", datetime.now(UTC).date())
        await _deliveries(database, "sent", old)
        await database.close()

    asyncio.run(fill())
    monkeypatch.setenv("MADOGUCHI_DB", path)
    monkeypatch.setenv("MADOGUCHI_STAFF", str(write_staff(tmp_path)))
    status, out, err, _ = run_cli("maintenance", "purge", "--dry-run", "--as", "admin")
    assert status == 0, err
    assert "何も削除していません" in out and "答えられなかった質問（最後に聞かれてから180日" in out
    assert "古い質問" in out and "新しい質問" not in out and "お知らせの配信記録（記録してから365日" in out
    assert rows(path, "SELECT COUNT(*) FROM unanswered") == [(2,)]
    assert run_cli("maintenance", "purge", "--as", "ube")[0] == 3  # admin only
    status, out, _, _ = run_cli("maintenance", "purge", "--as", "admin")
    assert status == 0 and "削除しました" in out
    assert [r[0] for r in rows(path, "SELECT text FROM unanswered")] == ["新しい質問"]
    assert rows(path, "SELECT COUNT(*) FROM deliveries") == [(0,)]
    outcomes = rows(path, "SELECT actor, outcome FROM audit WHERE action = 'maintenance.purge' ORDER BY id")
    assert outcomes[0][1].startswith("dry run") and outcomes[-1] == ("cli:admin", outcomes[-1][1])
    assert "unanswered=1" in outcomes[-1][1] and "deliveries=1" in outcomes[-1][1]


async def test_a_channel_process_purges_by_itself(app):
    await UnansweredLog(app.db).record("古い質問", "ja", date(2020, 1, 1))
    app.keep_tidy(interval=3600)
    for _ in range(200):
        if any(e["actor"] == "system:retention" for e in await AuditLog(app.db).entries()):
            break
        await asyncio.sleep(0.01)
    (entry,) = [e for e in await AuditLog(app.db).entries() if e["actor"] == "system:retention"]
    assert "unanswered=1" in entry["outcome"]
    assert await UnansweredLog(app.db).top() == []
