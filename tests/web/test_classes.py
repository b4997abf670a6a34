"""The classes screen through aiohttp's test client: upload in every encoding, the dry run
by row and column, importing all or only the valid rows, the list, cancelling, exports."""

from __future__ import annotations

import aiohttp
import pytest

from bot.store.audit import AuditLog
from bot.store.overview import Overview
from bot.store.reminders import ReminderStore
from bot.store.schedule import ScheduleStore
from tests.classes.test_import import GOOD, csv_text
from tests.support.web import csrf_of, login, post_form

BAD_ROW = [
    "山口県",
    "宇部市",
    "ドコモショップフジグラン宇部店",
    "0120-173-053",
    "宇部市明神町3-1-1",
    "2026/13/40",
    "10:30",
    "11:30",
    "入門",
    "日付の誤り",
    "5",
    "5",
    "要",
    "",
]


async def imported(console) -> list:
    """The classes of GOOD[1] in the database (the demo data has sample classes at the same venue)."""
    return [c for c in await ScheduleStore(console.db).find(["宇部市"], venue="auショップ宇部常盤通り") if not c.sample]


async def upload(client, data: bytes, name: str = "予定.csv"):
    page = await client.get("/classes")
    form = aiohttp.FormData()
    form.add_field("csrf", csrf_of(await page.text()))
    form.add_field("file", data, filename=name, content_type="text/csv")
    return await client.post("/classes/upload", data=form)


@pytest.mark.parametrize(
    "encoding, label",
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8（BOM付き）"), ("cp932", "Shift_JIS（CP932）"), ("utf-16", "UTF-16")],
)
async def test_upload_shows_the_dry_run_in_every_encoding(client, console, encoding, label):
    await login(client, "cli:ube")
    text = csv_text(GOOD)
    if encoding == "utf-16":
        text = text.replace(",", "\t")
    response = await upload(client, text.encode(encoding))
    html = await response.text()
    assert response.status == 200 and label in html and "新規 3件" in html
    assert await imported(console) == []


async def test_a_bad_row_is_named_by_row_and_column_and_the_valid_rows_import(client, console):
    await login(client, "cli:ube")
    response = await upload(client, csv_text([GOOD[0], BAD_ROW, GOOD[1]]).encode("cp932"))
    html = await response.text()
    assert "3行目" in html and "「開催日」" not in html and "開催日" in html and "何も取り込みません" in html
    assert 'id="import-all"' not in html and 'id="import-valid"' in html
    token, upload_id = csrf_of(html), html.split('name="upload" value="')[1].split('"')[0]
    everything = await client.post("/classes/import", data={"csrf": token, "upload": upload_id, "mode": "all"})
    assert everything.status == 400
    assert await imported(console) == []
    done = await client.post("/classes/import", data={"csrf": token, "upload": upload_id, "mode": "valid"})
    assert done.status == 200 and "誤りのある 1行は取り込んでいません" in await done.text()
    assert len(await imported(console)) == 1
    outcomes = [e["outcome"] for e in await AuditLog(console.db).entries() if e["action"] == "classes.import"]
    assert outcomes[0].startswith("imported:") and any(o.startswith("refused:") for o in outcomes)


async def test_a_municipal_member_cannot_import_another_citys_rows(client, console):
    await login(client, "cli:yamaguchi")
    html = await (await upload(client, csv_text(GOOD[:1]).encode("utf-8"))).text()
    assert "宇部市の講座を登録する権限がありません" in html and 'id="import-all"' not in html


async def test_import_without_csrf_changes_nothing(client, console):
    await login(client, "cli:ube")
    html = await (await upload(client, csv_text(GOOD).encode("utf-8"))).text()
    upload_id = html.split('name="upload" value="')[1].split('"')[0]
    refused = await client.post("/classes/import", data={"upload": upload_id, "mode": "all"})
    assert refused.status == 403
    assert await imported(console) == []


async def test_the_list_is_the_members_cities_and_filters(client, console):
    await login(client, "cli:ube")
    html = await (await client.get("/classes")).text()
    assert "宇部市" in html and "<td>山口市</td>" not in html
    refused = await client.get("/classes?city=山口市")
    assert refused.status == 403
    month = await client.get("/classes?month=2026-12&q=ドコモ")
    assert month.status == 200


async def test_cancel_shows_the_notice_and_tells_the_reminder_holders(client, console, tmp_path):
    await login(client, "cli:ube")
    c = (await Overview(console.db).classes(["宇部市"], since=console.clock().date(), limit=1)).classes[0]
    await ReminderStore(console.db).add("console:r1", c.id, console.clock())
    preview = await client.get(f"/classes/{c.id}/cancel")
    html = await preview.text()
    assert "講座中止のお知らせ" in html and "（1人）" in html
    done = await post_form(client, f"/classes/{c.id}/cancel", f"/classes/{c.id}/cancel", {"tell_holders": "1"})
    assert done.status == 200 and "1人に知らせました" in await done.text()
    assert await ScheduleStore(console.db).get(c.id) is None
    assert "講座中止のお知らせ" in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8")


async def test_another_citys_class_cannot_be_cancelled(client, console):
    await login(client, "cli:yamaguchi")
    c = (await Overview(console.db).classes(["宇部市"], since=console.clock().date(), limit=1)).classes[0]
    assert (await client.get(f"/classes/{c.id}/cancel")).status == 403
    page = await client.get("/classes")
    refused = await client.post(f"/classes/{c.id}/cancel", data={"csrf": csrf_of(await page.text())})
    assert refused.status == 403 and await ScheduleStore(console.db).get(c.id) is not None


async def test_exports(client, console):
    await login(client, "cli:ube")
    await upload(client, csv_text(GOOD).encode("utf-8"))
    html = await (await upload(client, csv_text(GOOD).encode("utf-8"))).text()
    upload_id = html.split('name="upload" value="')[1].split('"')[0]
    await client.post("/classes/import", data={"csrf": csrf_of(html), "upload": upload_id, "mode": "all"})
    cp932 = await client.get("/classes/export?month=2026-12&encoding=cp932")
    assert cp932.status == 200 and "attachment" in cp932.headers["Content-Disposition"]
    assert "はじめてのスマートフォン" in (await cp932.read()).decode("cp932")
    bom = await client.get("/classes/export?month=2026-12&city=宇部市")
    assert (await bom.read()).startswith(b"\xef\xbb\xbf")
    news = await client.get("/classes/export?month=2026-12&format=newsletter")
    text = await news.text()
    assert "12月" in text and 'data-copy="newsletter"' in text
    assert (await client.get("/classes/export?month=2026-12&city=山口市")).status == 403
