"""The broadcasts screen through aiohttp's test client: preview, test send, confirm with the
preview's hash, progress to done, pause/resume/cancel, schedule, report, emergency stop."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from bot.broadcast.sender import ConsoleSender
from bot.broadcast.senders import SenderSet
from bot.store.audit import AuditLog
from bot.store.broadcasts import BroadcastStore
from tests.support.broadcast_fake import FakeSender
from tests.support.staff import subscribe
from tests.support.web import csrf_of, login, make_console

TEXT = "宇部市からのお知らせ: 12月の講座が始まります"


@pytest.fixture
async def console(tmp_path, demo_target, clock, knowledge, understanding):
    telegram = FakeSender(channel="telegram", delay=0.01)
    senders = SenderSet(
        senders={"console": ConsoleSender(open(tmp_path / "outbox.jsonl", "a", encoding="utf-8")), "telegram": telegram}
    )
    console = await make_console(tmp_path, demo_target, clock, knowledge, understanding, senders=senders)
    console.telegram = telegram
    await subscribe(console.db, "宇部市", [f"telegram:{i}" for i in range(1, 6)] + ["console:c1", "console:c2"])
    yield console
    await console.runs.stop_all()
    await console.bot.close()


async def preview(client, **fields):
    page = await client.get("/broadcasts/new")
    data = {"csrf": csrf_of(await page.text()), "city": "宇部市", "kind": "text", "text": TEXT, "days": "14", **fields}
    return await client.post("/broadcasts/preview", data=data)


def hidden(html: str) -> dict:
    import re

    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


async def wait_done(console, broadcast_id: int) -> dict:
    for _ in range(200):
        row = await BroadcastStore(console.db).get(broadcast_id)
        if row.status == "done" and not console.runs.running(broadcast_id):
            return await BroadcastStore(console.db).counts(broadcast_id)
        await asyncio.sleep(0.02)
    raise AssertionError("the broadcast did not finish")


async def test_preview_confirm_and_progress_to_done(client, console):
    await login(client, "cli:ube")
    response = await preview(client)
    html = await response.text()
    assert response.status == 200 and 'id="total">7<' in html and "7人に送信する" in html
    assert html.count(TEXT) >= 2  # the LINE and the Telegram bubble
    done = await client.post("/broadcasts/confirm", data=hidden(html), allow_redirects=False)
    assert done.status == 302
    broadcast_id = int(done.headers["Location"].rsplit("/", 1)[1])
    counts = await wait_done(console, broadcast_id)
    assert counts["sent"] == 7
    progress = await (await client.get(f"/broadcasts/{broadcast_id}/progress")).json()
    assert progress["status"] == "done" and progress["state"] == "完了" and progress["sent"] == 7
    page = await (await client.get(f"/broadcasts/{broadcast_id}")).text()
    assert "完了" in page and "done" not in page.replace('data-status="done"', "").replace("state-done", "")
    report = await client.get(f"/broadcasts/{broadcast_id}/report.csv")
    rows = list(csv.reader(io.StringIO((await report.read()).decode("utf-8-sig"))))
    assert rows[0][3] == "状態" and len(rows) == 8 and {r[3] for r in rows[1:]} == {"送信済み"}
    assert sorted(console.telegram.sent_keys()) == [f"telegram:{i}" for i in range(1, 6)]


async def test_confirm_of_a_changed_preview_is_refused(client, console):
    await login(client, "cli:ube")
    form = hidden(await (await preview(client)).text())
    form["text"] = "別の文面"
    refused = await client.post("/broadcasts/confirm", data=form, allow_redirects=False)
    assert refused.status == 409 and await BroadcastStore(console.db).list() == []


async def test_a_test_send_goes_to_the_members_own_chat_only(client, console):
    await login(client, "telegram:900")  # support: may not broadcast
    assert (await client.get("/broadcasts/new")).status == 403
    console.staff._by_id["telegram:901"] = console.staff.member("cli:ube").model_copy(update={"id": "telegram:901"})
    from bot.store.staff_logins import StaffLogins
    from tests.support.web import FAST

    await StaffLogins(console.db).set_hash("telegram:901", FAST.hash("another password"))
    await login(client, "telegram:901", "another password")
    form = hidden(await (await preview(client)).text())
    html = await (await client.post("/broadcasts/test", data=form)).text()
    assert "telegram:901 にテスト送信しました" in html
    assert console.telegram.sent_keys() == ["telegram:901"] and console.telegram.calls[0].text.startswith(
        "【テスト送信】"
    )
    assert await BroadcastStore(console.db).list() == []


async def test_schedule_then_cancel(client, console):
    await login(client, "cli:ube")
    form = hidden(await (await preview(client, send_at="2099-01-01T10:00")).text())
    done = await client.post("/broadcasts/confirm", data=form, allow_redirects=False)
    broadcast_id = int(done.headers["Location"].rsplit("/", 1)[1])
    assert (await BroadcastStore(console.db).get(broadcast_id)).status == "scheduled"
    page = await (await client.get(f"/broadcasts/{broadcast_id}")).text()
    assert "予約済み" in page and "2099/01/01 10:00" in page
    await client.post(f"/broadcasts/{broadcast_id}/cancel", data={"csrf": csrf_of(page)})
    assert (await BroadcastStore(console.db).get(broadcast_id)).status == "cancelled"


async def test_pause_and_resume(client, console):
    console.telegram.delay = 0.2
    await login(client, "cli:ube")
    form = hidden(await (await preview(client, channel="telegram")).text())
    done = await client.post("/broadcasts/confirm", data=form, allow_redirects=False)
    broadcast_id = int(done.headers["Location"].rsplit("/", 1)[1])
    await asyncio.sleep(0.05)
    page = await (await client.get(f"/broadcasts/{broadcast_id}")).text()
    await client.post(f"/broadcasts/{broadcast_id}/pause", data={"csrf": csrf_of(page)})
    assert (await BroadcastStore(console.db).get(broadcast_id)).status == "paused"
    console.telegram.delay = 0
    await client.post(f"/broadcasts/{broadcast_id}/resume", data={"csrf": csrf_of(page)})
    assert (await wait_done(console, broadcast_id))["sent"] == 5


async def test_another_city_and_emergency_stop(client, console):
    await login(client, "cli:yamaguchi")
    assert (await preview(client)).status == 403
    await login(client, "cli:ube")
    form = hidden(await (await preview(client, send_at="2099-01-01T10:00")).text())
    await client.post("/broadcasts/confirm", data=form, allow_redirects=False)
    page = await (await client.get("/broadcasts")).text()
    assert (await client.post("/broadcasts/emergency-stop", data={"csrf": csrf_of(page)})).status == 403
    elsewhere = await BroadcastStore(console.db).create("cli:ube", "宇部市", "text", "別のプロセスが送信中")
    await console.db.conn.execute("UPDATE broadcasts SET status = 'sending' WHERE id = ?", (elsewhere,))
    await console.db.conn.commit()
    await login(client, "cli:admin")
    page = await (await client.get("/broadcasts")).text()
    stopped = await client.post("/broadcasts/emergency-stop", data={"csrf": csrf_of(page)})
    assert "緊急停止しました: 送信中の 1件を一時停止、予約・送信待ちの 1件を取り消しました" in await stopped.text()
    assert [r.status for r in await BroadcastStore(console.db).list()] == ["paused", "cancelled"]
    actions = [e["action"] for e in await AuditLog(console.db).entries()]
    assert "broadcast.emergency_stop" in actions


async def test_a_digest_of_one_level_and_topic(client, console):
    from tests.classes.test_import import GOOD
    from tests.web.test_classes import upload

    await login(client, "cli:ube")
    from tests.classes.test_import import csv_text

    html = await (await upload(client, csv_text(GOOD).encode("utf-8"))).text()
    await client.post("/classes/import", data={"csrf": csrf_of(html), "upload": hidden(html)["upload"], "mode": "all"})
    only = await (await preview(client, kind="digest", level="活用", topic="mynumber")).text()
    assert "マイナンバーカードの申請" in only and "はじめてのスマートフォン" not in only
    none = await preview(client, kind="digest", level="入門", topic="disaster")
    assert none.status == 400 and "（入門）（災害" in await none.text()
    assert (await preview(client, kind="digest", level="上級")).status == 400
