"""Learning from misses: what the bot could not answer is kept without user identity
(no user key, no time of day, numbers and addresses masked) and listed most frequent first
by ``madoguchi report unanswered``."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date

from bot.messages import IncomingMessage
from bot.store.backend import open_database
from bot.store.unanswered import UnansweredLog, redact
from tests.support.conversations import visible
from tests.support.staff import run_cli, write_staff

MISS = "明日の天気は晴れますか"


async def say(app, text, user):
    return await app.engine.handle(IncomingMessage(user, text=text))


async def test_a_miss_is_kept_without_who_said_it(app):
    replies = await say(app, MISS, "telegram:111")
    assert "03-5974-0129" in visible(replies)  # the honest "I can't answer" is unchanged
    await say(app, MISS, "line:U222")
    await say(app, "宇部のスマホ教室", "telegram:111")  # answered: not kept
    misses = await UnansweredLog(app.db).top()
    assert [(m.text, m.count, m.lang) for m in misses] == [(MISS, 2, "ja")]
    assert (misses[0].first_day, misses[0].last_day) == ("2026-11-26", "2026-11-26")
    async with app.db.conn.execute("SELECT * FROM unanswered") as cur:
        row = dict(await cur.fetchone())
    assert set(row) == {"text", "lang", "count", "first_day", "last_day"}
    assert "111" not in str(row) and "U222" not in str(row)


def test_identifiers_are_masked_before_anything_is_kept():
    assert redact("電話は０９０－１２３４－５６７８です") == "電話は[番号]です"
    assert redact("mail me at taro.yamada@example.jp please") == "mail me at [メール] please"
    assert redact("カード番号 1234 5678 9012 を登録") == "カード番号 [番号] を登録"
    assert redact("https://example.com/x?id=42 って何") == "[URL] って何"
    assert redact("12月5日の10時") == "12月5日の10時"  # dates and times stay: they are the question
    assert len(redact("あ" * 500)) == 200


def test_the_report_lists_the_most_frequent_first(db_target, tmp_path):
    db = db_target

    async def fill():
        database = await open_database(db).open()
        log = UnansweredLog(database)
        for text, n in [("ふわふわ", 1), ("ぴよぴよ", 3), ("もふもふ", 2)]:
            for _ in range(n):
                await log.record(text, "ja", date(2026, 11, 26))
        await log.record("old question", "en", date(2026, 1, 1))
        await database.close()

    asyncio.run(fill())
    staff = str(write_staff(tmp_path))
    status, out, _, _ = run_cli("report", "unanswered", "--db", db, "--staff", staff, "--as", "ube")
    assert status == 0
    lines = [line for line in out.splitlines() if "[ja]" in line or "[en]" in line]
    assert [line.split("] ")[1].split("  ")[0] for line in lines] == [
        "ぴよぴよ",
        "もふもふ",
        "ふわふわ",
        "old question",
    ]
    assert "7件（4種類）" in out
    status, out, _, _ = run_cli(
        "report",
        "unanswered",
        "--db",
        db,
        "--staff",
        staff,
        "--as",
        "ube",
        "--days",
        "30",
        "--format",
        "csv",
        "--limit",
        "2",
    )
    assert status == 0 and out.splitlines() == [
        "count,lang,text,first_day,last_day",
        "3,ja,ぴよぴよ,2026-11-26,2026-11-26",
        "2,ja,もふもふ,2026-11-26,2026-11-26",
    ]
    assert run_cli("report", "unanswered", "--db", db, "--staff", staff, "--as", "support")[0] == 3


def test_the_csv_report_neutralises_what_residents_typed_as_formulas(db_target, tmp_path):
    db = db_target

    async def fill():
        database = await open_database(db).open()
        log = UnansweredLog(database)
        for text in ['=HYPERLINK("http://x","クリック")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+2"]:
            await log.record(text, "ja", date(2026, 11, 26))
        await database.close()

    asyncio.run(fill())
    staff = str(write_staff(tmp_path))
    status, out, _, _ = run_cli("report", "unanswered", "--db", db, "--staff", staff, "--as", "ube", "--format", "csv")
    assert status == 0
    texts = sorted(row[2] for row in csv.reader(io.StringIO(out)) if row[0] != "count")
    assert texts == ["'+cmd|' /C calc'!A0", "'-1+2", "'=HYPERLINK(\"[URL]", "'@SUM(1+1)"]
