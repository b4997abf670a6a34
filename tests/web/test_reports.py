"""The unanswered questions and audit log screens: counts, marks, CSV, filters, Japan time."""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.store.audit import AuditLog
from bot.store.unanswered import UnansweredLog
from tests.support.web import csrf_of, login


async def test_unanswered_counts_marks_and_csv(client, console):
    log = UnansweredLog(console.db)
    for _ in range(3):
        await log.record("ゴミの日はいつ", "ja", date(2026, 11, 25))
    await log.record("=HYPERLINK(1)", "ja", date(2026, 11, 25))
    await console.db.settle()
    await login(client, "cli:ube")
    html = await (await client.get("/unanswered")).text()
    assert "ゴミの日はいつ" in html and "<td>3</td>" in html
    await client.post(
        "/unanswered/mark", data={"csrf": csrf_of(html), "text": "ゴミの日はいつ", "lang": "ja", "mark": "out_of_scope"}
    )
    assert "ゴミの日はいつ" not in await (await client.get("/unanswered")).text()
    assert "対象外" in await (await client.get("/unanswered?show=all")).text()
    rows = list(csv.reader(io.StringIO((await (await client.get("/unanswered.csv")).read()).decode("utf-8-sig"))))
    assert rows[0][0] == "質問" and ["ゴミの日はいつ", "ja", "3", "2026-11-25", "2026-11-25", "対象外"] in rows
    assert any(r[0] == "'=HYPERLINK(1)" for r in rows)
    assert any(e["action"] == "report.mark" for e in await AuditLog(console.db).entries())


async def test_support_staff_cannot_see_unanswered(client):
    await login(client, "cli:support")
    assert (await client.get("/unanswered")).status == 403


async def test_audit_filters_and_japan_time(client, console):
    await console.db.conn.execute(
        "INSERT INTO audit (at, actor, action, target, outcome) VALUES "
        "('2026-11-30T15:30:00+00:00', 'cli:ube', 'classes.import', 'x.csv', 'imported')"
    )
    await console.db.conn.commit()
    await login(client, "cli:admin")
    html = await (await client.get("/audit?member=cli:ube&action=classes&since=2026-12-01&until=2026-12-01")).text()
    assert "2026/12/01 00:30:00" in html and "x.csv" in html  # 15:30 UTC is the next day in Tokyo
    none = await (await client.get("/audit?since=2026-11-29&until=2026-11-30&member=cli:ube")).text()
    assert "x.csv" not in none
    assert (await client.get("/audit?since=yesterday")).status == 400


async def test_only_admin_sees_the_audit_log(client, console):
    await login(client, "cli:ube")
    assert (await client.get("/audit")).status == 403
    assert any(e["action"] == "staff.audit" and e["outcome"] == "denied" for e in await AuditLog(console.db).entries())
